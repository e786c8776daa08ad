import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  Kind,
  parse,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
} from 'graphql';
import { prebuiltSchemaDirectory, sdlHash } from '../../lib/graphql/prebuilt-subgraph-schema.ts';

/** `@listSize` of the IBM GraphQL cost specification, as Apollo Federation composes it into the supergraph. */
export interface ListSize {
  /** Items assumed when no slicing argument is given. */
  readonly assumedSize?: number;
  /** Arguments whose value is the number of items (`first`, `last`); the largest given wins. */
  readonly slicingArguments?: readonly string[];
  /** Child fields that are the sized lists (a connection's `edges` and `nodes`); without them the field itself is. */
  readonly sizedFields?: readonly string[];
}

/** The `@cost` and `@listSize` declarations of a supergraph, by type (`Invoice`) and field (`Invoice.lines`). */
export interface CostDirectives {
  readonly fieldWeights: ReadonlyMap<string, number>;
  readonly typeWeights: ReadonlyMap<string, number>;
  readonly listSizes: ReadonlyMap<string, ListSize>;
}

const costSpec = 'https://specs.apollo.dev/cost/';

/**
 * The names the supergraph uses for the two directives. Composition links the cost spec with
 * `@link(url: ".../cost/v0.1", import: ["@listSize"])`: `@cost` keeps the spec's name, `@listSize` is unprefixed only
 * when imported (else `@cost__listSize`), and a link may rename either (`as`).
 */
function directiveNames(supergraph: DocumentNode): { cost: string; listSize: string } {
  for (const definition of supergraph.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const args = Object.fromEntries((link.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value)]));
      if (typeof args.url !== 'string' || !args.url.startsWith(costSpec)) continue;
      const spec = typeof args.as === 'string' ? args.as : 'cost';
      const names = { cost: spec, listSize: `${spec}__listSize` };
      for (const entry of (args.import as unknown[] | undefined) ?? []) {
        const { name, as = name } = typeof entry === 'string' ? { name: entry } : (entry as { name: string; as?: string });
        if (name === '@cost') names.cost = as.slice(1);
        if (name === '@listSize') names.listSize = as.slice(1);
      }
      return names;
    }
  }
  return { cost: 'cost', listSize: 'listSize' };
}

const argumentsOf = (directive: DirectiveNode) =>
  Object.fromEntries((directive.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value)]));

const stringList = (value: unknown) =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;

/**
 * Reads the declarations from the supergraph document itself: the API schema the gateway serves keeps no
 * directives, and the subgraphs' SDL is not at hand in production.
 */
export function readCostDirectives(supergraphSdl: string | DocumentNode): CostDirectives {
  const supergraph = typeof supergraphSdl === 'string' ? parse(supergraphSdl) : supergraphSdl;
  const names = directiveNames(supergraph);
  const fieldWeights = new Map<string, number>();
  const typeWeights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const readField = (type: string, field: FieldDefinitionNode) => {
    const key = `${type}.${field.name.value}`;
    for (const directive of field.directives ?? []) {
      const args = argumentsOf(directive);
      if (directive.name.value === names.cost && typeof args.weight === 'number') fieldWeights.set(key, args.weight);
      if (directive.name.value === names.listSize) {
        listSizes.set(key, {
          assumedSize: typeof args.assumedSize === 'number' ? args.assumedSize : undefined,
          slicingArguments: stringList(args.slicingArguments),
          sizedFields: stringList(args.sizedFields),
        });
      }
    }
  };
  for (const definition of supergraph.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const type = definition.name.value;
    for (const directive of definition.directives ?? []) {
      const weight = directive.name.value === names.cost ? argumentsOf(directive).weight : undefined;
      if (typeof weight === 'number') typeWeights.set(type, weight);
    }
    if (!('fields' in definition)) continue;
    for (const field of definition.fields ?? []) if (field.kind === Kind.FIELD_DEFINITION) readField(type, field);
  }
  return { fieldWeights, typeWeights, listSizes };
}

/** The declarations as `npm run build` writes them beside the compiled code, named by the supergraph's hash. */
interface PrebuiltCostDirectives {
  readonly sourceHash: string;
  readonly fieldWeights: ReadonlyArray<[string, number]>;
  readonly typeWeights: ReadonlyArray<[string, number]>;
  readonly listSizes: ReadonlyArray<[string, ListSize]>;
}

const prebuiltFile = (hash: string, directory: URL) => new URL(`${hash}.cost.json`, directory);

/** Writes the declarations of `supergraphSdl` into `directory` (the build step, beside the subgraphs' prebuilt schemas). */
export function writePrebuiltCostDirectives(supergraphSdl: string, directory: URL = prebuiltSchemaDirectory): void {
  const { fieldWeights, typeWeights, listSizes } = readCostDirectives(supergraphSdl);
  const prebuilt: PrebuiltCostDirectives = {
    sourceHash: sdlHash(supergraphSdl),
    fieldWeights: [...fieldWeights],
    typeWeights: [...typeWeights],
    listSizes: [...listSizes],
  };
  mkdirSync(directory, { recursive: true });
  writeFileSync(prebuiltFile(prebuilt.sourceHash, directory), JSON.stringify(prebuilt));
}

/**
 * `readCostDirectives(supergraphSdl)`, from the build's artefact when there is one for exactly this supergraph (the
 * compiled start), else read here (tests and `npm run dev` run the sources). Reading parses the whole supergraph,
 * ≈ 50–80 ms of every start (docs/benchmarks.md "Start-up"), which Apollo Gateway parses again for itself.
 */
export function costDirectivesOf(supergraphSdl: string, directory: URL = prebuiltSchemaDirectory): CostDirectives {
  const hash = sdlHash(supergraphSdl);
  const file = prebuiltFile(hash, directory);
  const prebuilt = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PrebuiltCostDirectives) : undefined;
  if (prebuilt?.sourceHash !== hash) return readCostDirectives(supergraphSdl);
  return { fieldWeights: new Map(prebuilt.fieldWeights), typeWeights: new Map(prebuilt.typeWeights), listSizes: new Map(prebuilt.listSizes) };
}

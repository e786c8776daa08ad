import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { addResolversToSchema } from '@apollo/subgraph/dist/schema-helper/index.js';
import { entitiesResolver } from '@apollo/subgraph/dist/types.js';
import { buildSubgraph, FEDERATION_UNNAMED_SUBGRAPH_NAME, printSchema as printSubgraphSdl } from '@apollo/federation-internals';
import { buildASTSchema, Kind, parse, print, type DefinitionNode, type DocumentNode, type GraphQLSchema } from 'graphql';

/**
 * A subgraph's schema as `buildSubgraphSchema` makes it, worked out once at build time: the SDL it serves as
 * `_service { sdl }`, and its executable schema printed. `buildSubgraphSchema` validates the SDL as a federation
 * subgraph and converts it through print → parse → build with graphql-js validation, ≈ 60 ms CPU per subgraph on
 * every start (≈ 0.3 s of the embedded warm start's five); from an artefact it is a parse and an unvalidated build.
 */
export interface PrebuiltSubgraphSchema {
  /** SHA-256 of the SDL text it was built from. */
  readonly sourceHash: string;
  readonly serviceSdl: string;
  readonly executableSdl: string;
}

/** Where `npm run build` writes the artefacts: dist/schema/prebuilt/ beside the compiled code (absent in the sources). */
export const prebuiltSchemaDirectory = new URL('../../schema/prebuilt/', import.meta.url);

export const sdlHash = (sdl: string) => createHash('sha256').update(sdl).digest('hex');

/** What `buildSubgraphSchema` would derive from this SDL (the build step). */
export function prebuildSubgraphSchema(sdl: string): PrebuiltSubgraphSchema {
  const subgraph = buildSubgraph(FEDERATION_UNNAMED_SUBGRAPH_NAME, '', parse(sdl), false);
  // The document Schema.toGraphQLJSSchema builds from (without @defer/@stream, which it leaves out by default); the
  // method that adds the empty definitions is private to federation-internals, hence the cast, and the test that
  // compares both schemas.
  const schema = subgraph.schema as unknown as { toAST(): DocumentNode; emptyASTDefinitionsForExtensionsWithoutDefinition(): DefinitionNode[] };
  const executable = print({
    kind: Kind.DOCUMENT,
    definitions: [...schema.toAST().definitions, ...schema.emptyASTDefinitionsForExtensionsWithoutDefinition()],
  });
  return { sourceHash: sdlHash(sdl), serviceSdl: printSubgraphSdl(subgraph.schema), executableSdl: executable };
}

/** Writes one artefact per SDL into `directory`, named by the SDL's hash. */
export function writePrebuiltSubgraphSchemas(sdls: readonly string[], directory: URL = prebuiltSchemaDirectory) {
  mkdirSync(directory, { recursive: true });
  for (const sdl of sdls) {
    const prebuilt = prebuildSubgraphSchema(sdl);
    writeFileSync(new URL(`${prebuilt.sourceHash}.json`, directory), JSON.stringify(prebuilt));
  }
}

function readPrebuilt(sdl: string, directory: URL): PrebuiltSubgraphSchema | undefined {
  const hash = sdlHash(sdl);
  const file = new URL(`${hash}.json`, directory);
  if (!existsSync(file)) return undefined;
  const prebuilt = JSON.parse(readFileSync(file, 'utf8')) as PrebuiltSubgraphSchema;
  return prebuilt.sourceHash === hash ? prebuilt : undefined;
}

/**
 * `buildSubgraphSchema({ typeDefs: parse(sdl), resolvers })`, from the build's artefact when there is one for exactly
 * this SDL (the compiled start: the SDL is then not even parsed), else built here (tests and `npm run dev` run the
 * sources, where there is none). The artefact was validated when it was built; the schema is the same
 * (test/lib/prebuilt-subgraph-schema.test.ts compares both).
 */
export function subgraphSchema(definition: { sdl: string; resolvers: any }, directory: URL = prebuiltSchemaDirectory): GraphQLSchema {
  const prebuilt = readPrebuilt(definition.sdl, directory);
  if (!prebuilt) return buildSubgraphSchema({ typeDefs: parse(definition.sdl), resolvers: definition.resolvers });
  const schema = buildASTSchema(parse(prebuilt.executableSdl, { noLocation: true }), { assumeValid: true, assumeValidSDL: true });
  // The rest is buildSubgraphSchema's own tail: the federation fields' resolvers, then the subgraph's.
  const queryRootName = schema.getQueryType()!.name;
  addResolversToSchema(schema, { [queryRootName]: { _service: () => ({ sdl: prebuilt.serviceSdl }) } });
  if (schema.getType('_Entity')) {
    addResolversToSchema(schema, {
      [queryRootName]: {
        _entities: (_source: unknown, { representations }: any, context: any, info: any) => entitiesResolver({ representations, context, info }),
      },
      _Entity: { __resolveType: (parent: { __typename: string }) => parent.__typename },
    });
  }
  addResolversToSchema(schema, definition.resolvers);
  return schema;
}

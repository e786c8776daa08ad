import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  Kind,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import type { QueryLimits } from './limits.ts';

/** The limits a document's shape alone decides, whoever sends it with whatever variables. */
export type ShapeLimit = 'depth' | 'aliases' | 'rootFields' | 'directives';

/** A limit an operation goes past: which, the limit, and what was found (absent where counting stopped at it). */
export interface Violation {
  readonly limit: ShapeLimit | 'tokens' | 'cost';
  readonly maximum: number;
  readonly found?: number;
}

/** Fields at the root of each operation, through fragments (each counted once), `__typename` aside. */
export function rootFieldCount(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): number {
  const seen = new Set<string>();
  const count = (set: SelectionSetNode): number => {
    let fields = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields += selection.name.value === '__typename' ? 0 : 1;
      else if (selection.kind === Kind.INLINE_FRAGMENT) fields += count(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) fields += count(fragment.selectionSet);
      }
    }
    return fields;
  };
  return count(selectionSet);
}

/** graphql-armor reports a refusal as a message only; its count is in it ("…limit of 15 exceeded, found 40."). */
const foundIn = (error: GraphQLError) => {
  const found = /found (\d+)/.exec(error.message)?.[1];
  return found === undefined ? undefined : Number(found);
};

/**
 * Depth, aliases and directives by graphql-armor's validation rules (fragments flattened for depth, so `... on X`
 * adds no level; introspection not counted), root fields by psgraph's own rule (graphql-armor has none). Returns
 * what each limit found past it, in this order; empty when the document is within every limit. The rules never
 * throw: a refusal is collected, so Apollo Server answers it instead of failing the request.
 */
export function shapeViolations(schema: GraphQLSchema, document: DocumentNode, limits: QueryLimits): Violation[] {
  const violations: Violation[] = [];
  const refuse = (limit: ShapeLimit, maximum: number) => ({
    propagateOnRejection: false,
    onReject: [(_: unknown, error: GraphQLError) => void violations.push({ limit, maximum, found: foundIn(error) })],
  });
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const rootFields: ValidationRule = () => ({
    OperationDefinition(operation) {
      const found = rootFieldCount(operation.selectionSet, fragments);
      if (found > limits.maxRootFields) violations.push({ limit: 'rootFields', maximum: limits.maxRootFields, found });
    },
  });
  const rules = [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...refuse('depth', limits.maxDepth) }),
    maxAliasesRule({ n: limits.maxAliases, ...refuse('aliases', limits.maxAliases) }),
    rootFields,
    maxDirectivesRule({ n: limits.maxDirectives, ...refuse('directives', limits.maxDirectives) }),
  ] as ValidationRule[];
  validate(schema, document, rules);
  const order: ShapeLimit[] = ['depth', 'aliases', 'rootFields', 'directives'];
  return violations.sort((a, b) => order.indexOf(a.limit as ShapeLimit) - order.indexOf(b.limit as ShapeLimit));
}

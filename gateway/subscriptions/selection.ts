import {
  getArgumentValues,
  getOperationAST,
  parse,
  validate,
  getVariableValues,
  GraphQLError,
  isObjectType,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { isPosition, type EventPosition } from '../../lib/events/position.ts';

/**
 * What one subscribe message asks for: the live field, its filter, and the client's selection on the payload entity,
 * carried over to the query the gateway runs for it (with the fragments and variables that selection uses).
 */
export interface LiveSelection {
  readonly field: string;
  /** The field's alias or name: the key of the payload in each `next` message. */
  readonly responseKey: string;
  readonly filter: Readonly<Record<string, unknown>>;
  /** Resume after this cursor (the `after` argument): what changed since, then live. Null: live only. */
  readonly after: EventPosition | null;
  readonly selectionSet: SelectionSetNode;
  readonly fragments: readonly FragmentDefinitionNode[];
  readonly variableDefinitions: readonly VariableDefinitionNode[];
  readonly variables: Readonly<Record<string, unknown>>;
}

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** A subscribe request as either transport carries it (graphql-ws `subscribe` payload, the SSE request body). */
export interface LiveRequest {
  readonly query?: unknown;
  readonly operationName?: unknown;
  readonly variables?: unknown;
}

/**
 * Parses, validates (against the served schema, with the live fields) and reads a subscribe request: the one live
 * field it asks for, or the errors to answer with.
 */
export function readLiveRequest(
  schema: GraphQLSchema,
  request: LiveRequest,
): { selection: LiveSelection; document: DocumentNode; operation: OperationDefinitionNode } | readonly GraphQLError[] {
  if (typeof request.query !== 'string') return [badInput('query: a GraphQL subscription document is required')];
  if (request.operationName != null && typeof request.operationName !== 'string') return [badInput('operationName: a string')];
  if (request.variables != null && (typeof request.variables !== 'object' || Array.isArray(request.variables))) return [badInput('variables: an object')];
  const read = validDocument(schema, request.query);
  if (!('kind' in read)) return read;
  const document = read;
  const operation = getOperationAST(document, request.operationName as string | undefined);
  if (!operation) return [badInput('name the operation to run')];
  if (operation.operation !== 'subscription') return [badInput('queries and mutations are served over HTTP POST on /graphql')];
  const selection = readLiveSelection(schema, document, operation, request.variables as Record<string, unknown> | undefined);
  if (Array.isArray(selection)) return selection as readonly GraphQLError[];
  return { selection: selection as LiveSelection, document, operation };
}

/**
 * Valid documents by their text, per served schema. A subscription's document lives as long as it does (graphql-ws
 * keeps its execution arguments), and most connections send the same few documents with other variables: one parsed
 * copy each (ASTs are never changed) instead of ~10 KiB of AST per connection, and no second parse or validation.
 */
const validDocuments = new WeakMap<GraphQLSchema, LRUCache<string, DocumentNode>>();

function validDocument(schema: GraphQLSchema, query: string): DocumentNode | readonly GraphQLError[] {
  let known = validDocuments.get(schema);
  if (!known) {
    known = new LRUCache({ max: 500 });
    validDocuments.set(schema, known);
  }
  const cached = known.get(query);
  if (cached) return cached;
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return [error as GraphQLError];
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return invalid;
  known.set(query, document);
  return document;
}

/** Reads a validated subscription operation; BAD_USER_INPUT errors for what the live fields cannot serve. */
export function readLiveSelection(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | null | undefined,
): LiveSelection | readonly GraphQLError[] {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return coerced.errors;
  const [root] = operation.selectionSet.selections;
  if (operation.selectionSet.selections.length !== 1 || root.kind !== Kind.FIELD) {
    return [badInput('select exactly one subscription field directly (no fragment at the root)')];
  }
  if (root.directives?.length) return [badInput('directives are not supported on the subscription field')];
  const fieldDef = schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!fieldDef || !root.selectionSet) return [badInput(`unknown subscription field ${root.name.value}`)];
  const args = getArgumentValues(fieldDef, root, coerced.coerced);
  const after = (args.after as string | null | undefined) ?? null;
  if (after !== null && !isPosition(after)) return [badInput(`after: "${after}" is not a cursor (take one from a result's extensions.cursor)`)];
  const definitions = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const fragments = reachableFragments(root.selectionSet, definitions);
  const used = usedVariables([root.selectionSet, ...fragments]);
  const variableDefinitions = (operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value));
  return {
    field: root.name.value,
    responseKey: root.alias?.value ?? root.name.value,
    filter: (args.filter as Record<string, unknown> | null | undefined) ?? {},
    after,
    selectionSet: root.selectionSet,
    fragments,
    variableDefinitions,
    variables: Object.fromEntries(variableDefinitions.map((d) => [d.variable.name.value, coerced.coerced[d.variable.name.value]])),
  };
}

/** The payload's named type (TimeEntry, Timesheet, Project) of a live field. */
export function payloadTypeOf(schema: GraphQLSchema, field: string): string {
  let type = schema.getSubscriptionType()?.getFields()[field]?.type;
  while (type && 'ofType' in type) type = type.ofType;
  if (!type || !isObjectType(type)) throw new Error(`subscription field ${field} has no object payload`);
  return type.name;
}

function reachableFragments(selectionSet: SelectionSetNode, definitions: Map<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const walk = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const definition = definitions.get(name);
        if (!definition || found.has(name)) return;
        found.set(name, definition);
        walk(definition);
      },
    });
  walk(selectionSet);
  return [...found.values()];
}

function usedVariables(nodes: ReadonlyArray<SelectionSetNode | FragmentDefinitionNode>): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) visit(node, { Variable: (variable) => void names.add(variable.name.value) });
  return names;
}

/** The client's selection as text inside the gateway's query, with its fragments appended to the document. */
export const selectionText = (selection: LiveSelection) => print(selection.selectionSet).slice(1, -1).trim();
export const fragmentsText = (selection: LiveSelection) => selection.fragments.map((fragment) => print(fragment)).join('\n');
export const variableDefinitionsText = (selection: LiveSelection) => selection.variableDefinitions.map((d) => print(d));

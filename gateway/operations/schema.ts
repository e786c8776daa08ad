import { readFileSync } from 'node:fs';
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  execute,
  extendSchema,
  GraphQLError,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/** The operations fields' SDL (see the file's header for why the gateway serves them itself). */
export const operationsSdl = () => readFileSync(new URL('./operations.graphql', import.meta.url), 'utf8');

/** The resolvers of the gateway's own root fields, by field name (graphql-js calls the root value's functions). */
export type OperationsRoot = Readonly<Record<string, (args: any, context: any, info: any) => unknown>>;

/** The root fields the SDL adds, per operation type. */
function ownFields(sdl: DocumentNode): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>([
    ['query', new Set()],
    ['mutation', new Set()],
  ]);
  for (const definition of sdl.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const operation = definition.name.value === 'Query' ? 'query' : definition.name.value === 'Mutation' ? 'mutation' : null;
    if (!operation) continue;
    for (const field of definition.fields ?? []) fields.get(operation)!.add(field.name.value);
  }
  return fields;
}

/** The names of the root fields an operation selects, through its fragments. */
function rootFieldNames(selectionSet: SelectionSetNode, document: DocumentNode): string[] {
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const names: string[] = [];
  const collect = (set: SelectionSetNode, seen: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) names.push(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet, seen);
      else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet, new Set([...seen, selection.name.value]));
      }
    }
  };
  collect(selectionSet, new Set());
  return names;
}

/**
 * A layer over the gateway that serves root fields the gateway owns (operations.graphql): the schema it hands Apollo
 * Server is the inner one extended with them, so they validate and introspect like any field. An operation whose root
 * fields are all the gateway's (or introspection) executes here; one that mixes them with the graph's is refused,
 * since the query planner knows nothing of them; the rest goes to the inner gateway untouched.
 */
export class OperationsGateway implements GatewayInterface {
  readonly #inner: GatewayInterface;
  readonly #root: OperationsRoot;
  readonly #sdl: DocumentNode;
  readonly #fields: Map<string, Set<string>>;
  #schema: GraphQLSchema | undefined;

  constructor(inner: GatewayInterface, root: OperationsRoot) {
    this.#inner = inner;
    this.#root = root;
    this.#sdl = parse(operationsSdl());
    this.#fields = ownFields(this.#sdl);
  }

  /** The served schema, once loaded: the graph's, the live fields and the operations fields. */
  get schema(): GraphQLSchema {
    if (!this.#schema) throw new Error('the gateway has not loaded its schema yet');
    return this.#schema;
  }

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.#inner.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
      this.#schema = extendSchema(apiSchema, this.#sdl);
      callback({ apiSchema: this.#schema, coreSupergraphSdl });
    });
  }

  async load(options: Parameters<GatewayInterface['load']>[0]) {
    const { executor } = await this.#inner.load(options);
    if (!executor) return { executor };
    const served: GatewayExecutor = async (requestContext) => {
      const operation = requestContext.operation;
      if (!operation || operation.operation === 'subscription') return executor(requestContext);
      const own = this.#fields.get(operation.operation) ?? new Set<string>();
      const names = rootFieldNames(operation.selectionSet, requestContext.document);
      const local = [...new Set(names.filter((name) => own.has(name)))];
      const graph = [...new Set(names.filter((name) => !own.has(name) && !name.startsWith('__')))];
      if (local.length > 0 && graph.length > 0) {
        const fields = `${local.join(', ')} ${local.length === 1 ? 'is a field' : 'are fields'} the gateway serves itself`;
        const message =
          `${fields} and cannot be asked in one operation with the graph's fields (${graph.join(', ')}): ` +
          'send them as separate operations';
        return { errors: [new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } })] };
      }
      const introspection = names.some((name) => name === '__schema' || name === '__type');
      if (local.length === 0 && !(introspection && graph.length === 0)) return executor(requestContext);
      return execute({
        schema: this.schema,
        document: requestContext.document,
        operationName: requestContext.request.operationName,
        variableValues: requestContext.request.variables,
        contextValue: requestContext.context,
        rootValue: this.#root,
      }) as Awaited<ReturnType<GatewayExecutor>>;
    };
    return { executor: served };
  }

  stop() {
    return this.#inner.stop();
  }
}

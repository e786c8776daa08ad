import { readFileSync } from 'node:fs';
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, extendSchema, GraphQLError, Kind, parse, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

/** The live fields' SDL (see the file's header for why it is the gateway's own and not a subgraph's). */
export const subscriptionSdl = () => readFileSync(new URL('./subscriptions.graphql', import.meta.url), 'utf8');

/** The supergraph's API schema with the gateway's Subscription fields; fails at start-up if they do not fit it. */
export function withSubscriptions(apiSchema: GraphQLSchema): GraphQLSchema {
  return extendSchema(apiSchema, parse(subscriptionSdl()));
}

const isIntrospectionOnly = (operation: OperationDefinitionNode) =>
  operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'));

/**
 * Apollo Gateway as Apollo Server sees it, but serving the schema with the live fields: Apollo Server validates
 * against it, and introspection (which the gateway would answer from its own schema) is answered from it. A
 * subscription sent over HTTP is refused with the way to subscribe.
 */
export class SubscribingGateway implements GatewayInterface {
  readonly #inner: GatewayInterface;
  #schema: GraphQLSchema | undefined;

  constructor(inner: GatewayInterface) {
    this.#inner = inner;
  }

  /** The served schema, once loaded (the graphql-ws server validates subscriptions against it). */
  get schema(): GraphQLSchema {
    if (!this.#schema) throw new Error('the gateway has not loaded its schema yet');
    return this.#schema;
  }

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.#inner.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
      this.#schema = withSubscriptions(apiSchema);
      callback({ apiSchema: this.#schema, coreSupergraphSdl });
    });
  }

  async load(options: Parameters<GatewayInterface['load']>[0]) {
    const { executor } = await this.#inner.load(options);
    if (!executor) return { executor };
    const served: GatewayExecutor = async (requestContext) => {
      const operation = requestContext.operation;
      if (operation?.operation === 'subscription') {
        return {
          errors: [
            new GraphQLError('subscriptions are served over WebSocket (graphql-ws, subprotocol graphql-transport-ws) on this path', {
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          ],
        };
      }
      if (operation && isIntrospectionOnly(operation)) {
        return execute({
          schema: this.schema,
          document: requestContext.document,
          operationName: requestContext.request.operationName,
          variableValues: requestContext.request.variables,
        }) as Awaited<ReturnType<GatewayExecutor>>;
      }
      return executor(requestContext);
    };
    return { executor: served };
  }

  stop() {
    return this.#inner.stop();
  }
}

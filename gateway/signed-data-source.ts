import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import { CORRELATION_HEADER, signIdentity } from '../lib/auth/identity.ts';
import type { GatewayContext } from './context.ts';

/**
 * Every subgraph request carries the caller's identity signed by the gateway (subgraphs trust nothing else) and the
 * request's correlation id. Node's fetch (undici) keeps connections to the subgraphs alive between requests.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly #identitySecret: string;

  constructor(options: { url: string; identitySecret: string }) {
    super({ url: options.url, fetcher: fetch as unknown as Fetcher });
    this.#identitySecret = options.identitySecret;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!request.http || !context.identity) return;
    for (const [name, value] of Object.entries(signIdentity(context.identity, this.#identitySecret))) {
      request.http.headers.set(name, value);
    }
    request.http.headers.set(CORRELATION_HEADER, context.correlationId);
  }
}

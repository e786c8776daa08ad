import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { CORRELATION_HEADER, signIdentity, type Identity } from '../lib/auth/identity.ts';
import { DEADLINE_HEADER } from '../lib/http/deadline.ts';
import type { Logger } from '../lib/logger.ts';
import type { GatewayContext } from './context.ts';
import { deadlineOf, guardedFetcher, type TimeLimits } from './subgraph-guard.ts';
import { subgraphTransport } from './subgraph-http.ts';

/** The subgraph statuses that mean the client's request was refused, as error codes; anything else is internal. */
const statusCodes: Readonly<Record<number, string>> = { 400: 'BAD_USER_INPUT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN' };

/**
 * The caller's identity on its way from willSendRequest to the fetcher, which signs it for the body it sends: the data
 * source serializes the body only after willSendRequest (and with APQ sends two different ones). Never sent on.
 */
const UNSIGNED_IDENTITY_HEADER = 'x-psgraph-unsigned-identity';

/** Replaces the unsigned identity with one signed for this very call: its method, URL and body (lib/auth/identity.ts). */
function signingFetcher(identitySecret: string, next: Fetcher): Fetcher {
  return (url, init = {}) => {
    const { [UNSIGNED_IDENTITY_HEADER]: unsigned, ...headers } = init.headers ?? {};
    if (unsigned === undefined) return next(url, init);
    const identity = JSON.parse(Buffer.from(unsigned, 'base64url').toString('utf8')) as Identity;
    const request = { method: init.method ?? 'GET', url, body: init.body ?? '' };
    return next(url, { ...init, headers: { ...headers, ...signIdentity(identity, identitySecret, request) } });
  };
}

/**
 * Every subgraph request carries the caller's identity signed by the gateway for that request alone (subgraphs trust
 * nothing else), the request's correlation id and its deadline. Calls go over keep-alive connections of the data
 * source's own (subgraph-http.ts); each is bounded in time and goes through the subgraph's circuit breaker
 * (subgraph-guard.ts).
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(options: { url: string; identitySecret: string; name?: string; timeLimits?: TimeLimits; logger?: Logger }) {
    const guarded = guardedFetcher(options.name ?? options.url, options.timeLimits, { logger: options.logger, transport: subgraphTransport() });
    super({ url: options.url, fetcher: signingFetcher(options.identitySecret, guarded) });
  }

  /**
   * A subgraph that refuses a request answers with a non-2xx status and GraphQL errors in the body: a variable or
   * literal its scalars reject (400), an identity it does not trust (401). The client gets those errors with a
   * stable code, not the stock "400: Bad Request" (which carries the subgraph's URL and, without a code, is masked
   * as an internal error).
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body = (await this.parseBody(response)) as { errors?: Array<{ message?: unknown }> } | string;
    const messages = typeof body === 'object' && Array.isArray(body?.errors) ? body.errors.map((error) => String(error.message ?? '')).filter(Boolean) : [];
    const code = statusCodes[response.status];
    // Away (a proxy's 502/504, an overloaded or late-refusing 503): the same retryable code as no answer at all.
    if (response.status >= 502 && response.status <= 504) {
      return new GraphQLError(`subgraph answered ${response.status}`, { extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } });
    }
    if (!code) return new GraphQLError(`subgraph answered ${response.status}`);
    return new GraphQLError(messages.join('; ') || response.statusText, { extensions: { code } });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!request.http || !context.identity) return;
    request.http.headers.set(UNSIGNED_IDENTITY_HEADER, Buffer.from(JSON.stringify(context.identity)).toString('base64url'));
    request.http.headers.set(CORRELATION_HEADER, context.correlationId);
    const deadline = deadlineOf(context);
    if (deadline !== undefined) request.http.headers.set(DEADLINE_HEADER, String(deadline));
  }
}

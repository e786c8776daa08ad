import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FormattedExecutionResult, GraphQLSchema } from 'graphql';
import { DomainError, errorCodes } from '../../lib/errors.ts';
import { sendJson } from '../../lib/http/apollo-handler.ts';
import type { Logger } from '../../lib/logger.ts';
import { bearerCredential, type Authenticated, type Authenticator } from '../authentication/index.ts';
import { tooManyConnectionsReason, type ConnectionLimiter } from './connections.ts';
import type { DemandControl } from '../demand-control/index.ts';
import type { TrustedDocuments } from '../trusted-documents.ts';
import type { LiveFeed } from './feed.ts';
import { readLiveRequest, type LiveSelection } from './selection.ts';

export interface LiveSseOptions {
  /** The served schema (the API schema with the live fields). */
  readonly schema: () => GraphQLSchema;
  readonly feed: LiveFeed;
  /** Live connections per identity, shared with graphql-ws: a stream counts as one connection. */
  readonly connections: ConnectionLimiter;
  /** The gateway's one authenticator: the same credentials as over HTTP and graphql-ws. */
  readonly authenticator: Authenticator;
  /** The gateway's query limits, applied to each subscribe request as to a query (QUERY_TOO_COMPLEX). */
  readonly demandControl?: Pick<DemandControl, 'refuseSubscription'>;
  /** With a trusted-document manifest: the subscribe request's document by hash, or its refusal (before the limits). */
  readonly trustedDocuments?: Pick<TrustedDocuments, 'resolveSubscription'> | null;
  readonly logger: Logger;
  /** Interval of the comment lines that keep idle proxies from closing the stream. Default 12 s. */
  readonly keepAliveMs?: number;
}

/** A subscribe request's body, at most. */
const maxBodyBytes = 64 * 1024;

const event = (name: 'next' | 'complete', data?: FormattedExecutionResult) => `event: ${name}\ndata: ${data ? JSON.stringify(data) : ''}\n\n`;

const failure = (message: string, code: string): FormattedExecutionResult => ({ errors: [{ message, extensions: { code } }] });

/**
 * GraphQL over Server-Sent Events, "distinct connections" mode (graphql-sse's protocol): one POST with
 * `Accept: text/event-stream` per subscription, the bearer token in `Authorization`. Each result is a `next` event,
 * the end a `complete` event; the client ends a subscription by closing the response. Authentication failures are
 * plain 401 JSON (nothing streams before the caller is known); everything after (a bad document, a refused filter)
 * arrives as a `next` with errors, then `complete`, as the protocol asks. The token's expiry ends the stream with
 * UNAUTHENTICATED. Each open stream counts as a connection of its identity; one past the limit is a 429 JSON
 * refusal with CONNECTION_LIMIT.
 */
export function createLiveSseHandler(options: LiveSseOptions) {
  const { feed, logger } = options;
  const keepAliveMs = options.keepAliveMs ?? 12_000;

  return async function serveLiveSse(req: IncomingMessage, res: ServerResponse, correlationId: string): Promise<void> {
    const headers = { 'x-correlation-id': correlationId };
    if (req.method !== 'POST') {
      sendJson(res, 405, { errors: [{ message: 'POST a subscription with Accept: text/event-stream', extensions: { code: 'BAD_USER_INPUT' } }] }, { ...headers, allow: 'POST' });
      return;
    }
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      sendJson(res, 406, { errors: [{ message: 'this path streams Server-Sent Events: send Accept: text/event-stream', extensions: { code: 'BAD_USER_INPUT' } }] }, headers);
      return;
    }
    const token = bearerCredential(req.headers.authorization);
    let authenticated: Authenticated;
    try {
      if (!token) throw new DomainError('UNAUTHENTICATED', 'a bearer token is required');
      authenticated = await options.authenticator.authenticate(token);
    } catch (error) {
      const [code, message, details] =
        error instanceof DomainError ? [error.code, error.message, error.details] : (['UNAUTHENTICATED', 'invalid token', {}] as const);
      const status = errorCodes[code] ?? 401;
      sendJson(res, status, { errors: [{ message, extensions: { ...details, code } }] }, {
        ...headers,
        ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
      });
      return;
    }
    const { identity, expiresAt, revoked } = authenticated;
    if (!options.connections.acquire(identity)) {
      const message = `${tooManyConnectionsReason} (at most ${options.connections.maxPerIdentity} graphql-ws connections and event streams)`;
      sendJson(res, 429, { errors: [{ message, extensions: { code: 'CONNECTION_LIMIT' } }] }, headers);
      return;
    }
    let released = false;
    const release = () => {
      if (!released) options.connections.release(identity);
      released = true;
    };
    res.on('close', release);

    const body = await readBody(req);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    res.flushHeaders();
    const refuse = (result: FormattedExecutionResult) => res.end(event('next', result) + event('complete'));
    if (body === null) return void refuse(failure(`the body must be a JSON object of at most ${maxBodyBytes} bytes`, 'BAD_USER_INPUT'));
    const trusted = options.trustedDocuments?.resolveSubscription(body, identity) ?? { request: body };
    if ('errors' in trusted) return void refuse({ errors: trusted.errors.map((error) => error.toJSON()) });
    const { request } = trusted;
    const tooComplex = options.demandControl?.refuseSubscription(options.schema(), request, identity);
    if (tooComplex) return void refuse({ errors: tooComplex.map((error) => error.toJSON()) });
    const read = readLiveRequest(options.schema(), request);
    if (Array.isArray(read)) return void refuse({ errors: read.map((error) => error.toJSON()) });
    const { selection } = read as { selection: LiveSelection };

    logger.info('live subscription (sse)', { field: selection.field, workerId: identity.workerId, correlationId });
    const results = feed.open(identity, expiresAt, selection);
    let closed = false;
    const stop = () => {
      closed = true;
      clearInterval(keepAlive);
      clearTimeout(expiry);
      revoked?.removeEventListener('abort', endRevoked);
      void results.return?.();
    };
    res.on('close', stop);
    const keepAlive = setInterval(() => res.write(':\n\n'), keepAliveMs);
    const end = (message: string) => {
      if (closed) return;
      res.end(event('next', failure(message, 'UNAUTHENTICATED')) + event('complete'));
      stop();
    };
    const endExpired = () => end('the token expired: subscribe again with a fresh one');
    // A credential without an end (an API key without expiry) has no timer; one longer than a timer holds re-arms.
    const armExpiry = (): NodeJS.Timeout | undefined => {
      if (expiresAt === null) return undefined;
      const left = expiresAt - Date.now();
      return setTimeout(() => (left > 2 ** 31 - 1 ? (expiry = armExpiry()) : endExpired()), Math.min(Math.max(left, 0), 2 ** 31 - 1));
    };
    let expiry = armExpiry();
    const endRevoked = () => end('the credential was revoked: subscribe again with another one');
    if (revoked?.aborted) endRevoked();
    revoked?.addEventListener('abort', endRevoked, { once: true });
    for await (const result of results) {
      if (closed) break;
      // A client that does not read fills the socket; the feed's bounded queue then ends it (SLOW_CONSUMER).
      if (!res.write(event('next', result))) await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
    if (!closed) {
      res.end(event('complete'));
      stop();
    }
  };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return null;
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

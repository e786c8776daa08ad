import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import type { Identity } from '../../lib/auth/identity.ts';
import type { Logger } from '../../lib/logger.ts';
import { bearerCredential, closeCodeOf, closeReasonOf, type Authenticated, type Authenticator } from '../authentication/index.ts';
import { tooManyConnectionsCode, tooManyConnectionsReason, type ConnectionLimiter } from './connections.ts';
import type { DemandControl } from '../demand-control/index.ts';
import type { TrustedDocuments } from '../trusted-documents.ts';
import type { LiveFeed } from './feed.ts';
import { readLiveRequest, type LiveSelection } from './selection.ts';

export interface LiveServerOptions {
  readonly httpServer: Server;
  /** Where subscriptions are served: the same path as queries (`/graphql`). */
  readonly path: string;
  /** The served schema (the API schema with the live fields), once the gateway has loaded it. */
  readonly schema: () => GraphQLSchema;
  readonly feed: LiveFeed;
  /** Live connections per identity, shared with the SSE handler. */
  readonly connections: ConnectionLimiter;
  /** The gateway's one authenticator: the same credentials as over HTTP. */
  readonly authenticator: Authenticator;
  /** The gateway's query limits, applied to each subscribe request as to a query (QUERY_TOO_COMPLEX). */
  readonly demandControl?: Pick<DemandControl, 'refuseSubscription'>;
  /** With a trusted-document manifest: the subscribe request's document by hash, or its refusal (before the limits). */
  readonly trustedDocuments?: Pick<TrustedDocuments, 'resolveSubscription'> | null;
  /**
   * Whether an upgrade may proceed, by its Origin (gateway/cors.ts's createOriginCheck). A browser does not apply CORS
   * to WebSockets, so this is what keeps another site's page from opening one. Refused: HTTP 403. Default: any.
   */
  readonly allowOrigin?: (req: IncomingMessage) => boolean;
  readonly logger: Logger;
  /** Active subscriptions one connection may hold. Default 20. */
  readonly maxSubscriptionsPerConnection?: number;
  /** Interval of the server's WebSocket pings; a connection that misses a pong for as long is dropped. Default 12 s. */
  readonly keepAliveMs?: number;
  /** How long a new socket may take to send `connection_init`. Default 3 s. */
  readonly connectionInitWaitMs?: number;
  /** Hide internal error messages from clients. */
  readonly maskErrors: boolean;
}

/** Per connection: who authenticated in `connection_init`, and until when. */
type ConnectionState = {
  identity?: Identity;
  /** Whether this connection is counted against its identity (released when it closes). */
  counted?: boolean;
  expiresAt?: number | null;
  expiryTimer?: NodeJS.Timeout;
  /** Stops listening for the credential's withdrawal (an API key revoked). */
  forgetRevocation?: () => void;
};

/** What onSubscribe hands to `subscribe` for one operation. */
interface LiveContext {
  readonly identity: Identity;
  readonly expiresAt: number | null;
  readonly selection: LiveSelection;
}

const refusal = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

/** The credential of `connection_init`: `{ "authorization": "Bearer <credential>" }`, as the HTTP header would carry it. */
const tokenOf = (params: Readonly<Record<string, unknown>> | undefined) => bearerCredential(params?.authorization);

/** Close code of a connection whose credential lapsed or was withdrawn: connect again with a fresh one. */
const renewCredentialCode = 4401;

/** Longest delay a Node timer takes; a token valid for longer is checked again when it fires. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * graphql-ws (subprotocol graphql-transport-ws) on the gateway's HTTP server and path. The credential is verified in
 * `connection_init`: refused with 4401 when it is invalid or expired (renew it), 4403 when it is valid but not accepted
 * (no worker, no role), 1013 when the identity provider cannot be asked; the socket is closed with 4401 when the
 * credential expires or is revoked, so the client connects again with a fresh one and resumes from its cursor; each
 * connection holds a bounded number of subscriptions, and an identity a bounded number of connections (one more is
 * closed with 4429 at `connection_init`); the server pings every `keepAliveMs` and drops a silent peer.
 */
export function attachLiveServer(options: LiveServerOptions): { close(): Promise<void> } {
  const { feed, logger } = options;
  const maxSubscriptions = options.maxSubscriptionsPerConnection ?? 20;
  const wss = new WebSocketServer({ noServer: true });
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '/').split('?')[0] !== options.path) {
      socket.destroy();
      return;
    }
    if (options.allowOrigin && !options.allowOrigin(req)) {
      const body = JSON.stringify({ errors: [{ message: 'this origin may not open a WebSocket here (CORS_ORIGINS)', extensions: { code: 'FORBIDDEN' } }] });
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      logger.warn('live connection refused: origin not allowed', { origin: req.headers.origin?.slice(0, 200) });
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  options.httpServer.on('upgrade', upgrade);

  const server = useServer<Record<string, unknown>, ConnectionState>(
    {
      connectionInitWaitTimeout: options.connectionInitWaitMs ?? 3000,
      isProd: options.maskErrors,
      async onConnect(ctx) {
        const token = tokenOf(ctx.connectionParams);
        if (!token) {
          ctx.extra.socket.close(renewCredentialCode, 'a bearer credential is required in connection_init: { authorization }');
          return false;
        }
        let authenticated: Authenticated;
        try {
          authenticated = await options.authenticator.authenticate(token);
        } catch (error) {
          // The reason (which claim failed) in the close frame; graphql-ws's own 4403 for `false` then yields.
          ctx.extra.socket.close(closeCodeOf(error), closeReasonOf(error));
          return false;
        }
        ctx.extra.identity = authenticated.identity;
        if (!options.connections.acquire(ctx.extra.identity)) {
          // Closed here with its own code; graphql-ws's 4403 for the `false` below is then ignored by the closing socket.
          ctx.extra.socket.close(tooManyConnectionsCode, tooManyConnectionsReason);
          logger.warn('live connection refused: too many for this identity', { workerId: ctx.extra.identity.workerId });
          return false;
        }
        ctx.extra.counted = true;
        ctx.extra.expiresAt = authenticated.expiresAt;
        const closeWhenExpired = () => {
          const left = (ctx.extra.expiresAt ?? Infinity) - Date.now();
          if (left <= 0) ctx.extra.socket.close(renewCredentialCode, 'token expired: connect again with a fresh one');
          else if (Number.isFinite(left)) ctx.extra.expiryTimer = setTimeout(closeWhenExpired, Math.min(left, maxTimerMs));
        };
        closeWhenExpired();
        const { revoked } = authenticated;
        if (revoked) {
          const closeRevoked = () => ctx.extra.socket.close(renewCredentialCode, closeReasonOf(revoked.reason));
          if (revoked.aborted) closeRevoked();
          revoked.addEventListener('abort', closeRevoked, { once: true });
          ctx.extra.forgetRevocation = () => revoked.removeEventListener('abort', closeRevoked);
        }
        return true;
      },
      onClose(ctx) {
        if (ctx.extra.expiryTimer) clearTimeout(ctx.extra.expiryTimer);
        ctx.extra.forgetRevocation?.();
        if (ctx.extra.counted) options.connections.release(ctx.extra.identity!);
        ctx.extra.counted = false;
      },
      onSubscribe(ctx, _id, payload) {
        const identity = ctx.extra.identity!;
        // The reservation of this operation is already counted.
        if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
          return refusal(`at most ${maxSubscriptions} subscriptions per connection`, 'SUBSCRIPTION_LIMIT');
        }
        const schema = options.schema();
        const trusted = options.trustedDocuments?.resolveSubscription(payload, identity) ?? { request: payload };
        if ('errors' in trusted) return [...trusted.errors];
        const { request } = trusted;
        const tooComplex = options.demandControl?.refuseSubscription(schema, request, identity);
        if (tooComplex) return [...tooComplex];
        const read = readLiveRequest(schema, request);
        if (Array.isArray(read)) return read as GraphQLError[];
        const { selection, document } = read as Exclude<typeof read, readonly GraphQLError[]>;
        const contextValue: LiveContext = { identity, expiresAt: ctx.extra.expiresAt ?? null, selection };
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue } satisfies ExecutionArgs;
      },
      subscribe(args) {
        const { identity, expiresAt, selection } = args.contextValue as LiveContext;
        logger.info('live subscription', { field: selection.field, workerId: identity.workerId });
        // The feed's results are already formatted (errors as the gateway formatted them): see onNext.
        return feed.open(identity, expiresAt, selection) as unknown as AsyncGenerator<ExecutionResult>;
      },
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );

  return {
    async close() {
      options.httpServer.off('upgrade', upgrade);
      await server.dispose();
    },
  };
}

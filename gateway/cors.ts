import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../lib/http/apollo-handler.ts';

export interface CorsOptions {
  /**
   * Origins browsers may call the gateway from (`https://portal.example.com`), or `['*']` for any. Empty: none, the
   * gateway serves same-origin pages and non-browser clients only. Config: CORS_ORIGINS.
   */
  readonly origins: readonly string[];
}

/** What a browser app calls: the graph, its event stream and the exports. Health and readiness are for probes. */
const servesBrowsers = (path: string) =>
  path === '/graphql' || path === '/graphql/stream' || path.startsWith('/exports/');

const allowedMethods = 'GET, POST, OPTIONS';

const allowedHeaders = [
  'authorization',
  'content-type',
  'accept',
  'x-correlation-id',
  // Apollo Server's CSRF prevention lets a GET through only with one of these; Apollo Client sends them for it.
  'apollo-require-preflight',
  'x-apollo-operation-name',
  // Apollo Client's client awareness.
  'apollographql-client-name',
  'apollographql-client-version',
  // graphql-sse and EventSource clients resuming a stream.
  'last-event-id',
].join(', ');

/** Response headers a browser app may read besides the safelisted ones (the export's file name among them). */
const exposedHeaders = 'x-correlation-id, retry-after, content-disposition, www-authenticate';

/** How long a browser may reuse a preflight's answer; Chromium caps it at 2 h, so longer would not be honoured. */
const preflightMaxAgeSeconds = 600;

/** The origin as browsers serialize it (scheme://host[:port], lowercase, no default port), or null for `null`/junk. */
const normalized = (origin: string) => (URL.canParse(origin) ? new URL(origin).origin : null);

/** Whether `origin` (an Origin header's value) is one of `origins`; `*` lists every origin. */
export function originListed(origins: readonly string[], origin: string): boolean {
  if (origins.includes('*')) return true;
  const candidate = normalized(origin);
  return candidate !== null && candidate !== 'null' && origins.includes(candidate);
}

/**
 * Who may open a connection that no CORS response protects, such as the graphql-ws upgrade: a client without an
 * Origin header (a server, a mobile app, curl: no browser page to hijack), a page of the gateway's own host (same
 * origin, as with HTTP; the scheme is left out so a TLS-terminating proxy keeps working), or a listed origin.
 */
export function createOriginCheck(origins: readonly string[]): (req: IncomingMessage) => boolean {
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (originListed(origins, origin)) return true;
    const candidate = URL.canParse(origin) ? new URL(origin) : null;
    return candidate !== null && candidate.host !== '' && candidate.host === (req.headers.host ?? '').toLowerCase();
  };
}

/**
 * CORS for the paths browsers call. A preflight (OPTIONS with Access-Control-Request-Method) is answered here, before
 * authentication: 204 with the allowed methods and headers for a listed origin, 403 without any CORS header for
 * another. Other requests from a listed origin get Access-Control-Allow-Origin and -Expose-Headers and go on; from
 * an unlisted one they go on without them, so the browser keeps the answer from the page. Credentials (cookies) are
 * never allowed: clients authenticate with bearer tokens, which a browser never attaches on its own.
 *
 * Returns whether the request was answered.
 */
export function createCorsLayer(
  options: CorsOptions,
): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  const anyOrigin = options.origins.includes('*');
  return (req, res, path) => {
    if (!servesBrowsers(path)) return false;
    // With a list, the answer depends on Origin: caches must not hand one origin's answer to another.
    if (!anyOrigin) res.setHeader('vary', 'Origin');
    const origin = req.headers.origin;
    const listed = origin !== undefined && originListed(options.origins, origin);
    const preflight =
      req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    if (preflight && !listed) {
      const message = `origin ${origin} may not call this API from a browser (CORS_ORIGINS)`;
      sendJson(res, 403, { errors: [{ message, extensions: { code: 'FORBIDDEN' } }] });
      return true;
    }
    if (!listed) return false;
    res.setHeader('access-control-allow-origin', anyOrigin ? '*' : origin);
    if (preflight) {
      res.writeHead(204, {
        'access-control-allow-methods': allowedMethods,
        'access-control-allow-headers': allowedHeaders,
        'access-control-max-age': String(preflightMaxAgeSeconds),
      });
      res.end();
      return true;
    }
    res.setHeader('access-control-expose-headers', exposedHeaders);
    return false;
  };
}

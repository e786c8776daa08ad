import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';

/**
 * Largest request body read unless the caller says otherwise (the gateway does: GRAPHQL_MAX_BODY_BYTES). Subgraphs
 * keep this: the gateway's entity fetches for a large page or export carry more representations than a client sends.
 */
const defaultMaxBodyBytes = 10 * 1024 * 1024;

/** A body over the limit: answered 413 PAYLOAD_TOO_LARGE (sendPayloadTooLarge), never read to its end. */
export class PayloadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
  }
}

/** Whether the request announces (Content-Length) a body over the limit: refused before a byte of it is read. */
export function declaresBodyOver(req: IncomingMessage, maxBytes: number): boolean {
  return Number(req.headers['content-length'] ?? 0) > maxBytes;
}

export async function readBody(req: IncomingMessage, maxBytes = defaultMaxBodyBytes): Promise<string> {
  return (await readRawBody(req, maxBytes)).toString('utf8');
}

/** The body's bytes as they arrived (a signature is checked over these, before any decoding). */
export async function readRawBody(req: IncomingMessage, maxBytes = defaultMaxBodyBytes): Promise<Buffer> {
  if (declaresBodyOver(req, maxBytes)) throw new PayloadTooLargeError(maxBytes);
  if (req.readableEnded) return Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Listeners, not `for await`: leaving that loop destroys the request and its socket, and the 413 with it.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      detach();
      req.pause();
      reject(new PayloadTooLargeError(maxBytes));
    };
    const onEnd = () => {
      detach();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      detach();
      reject(error);
    };
    const onClose = () => onError(new Error('the client went away before sending the whole body'));
    const detach = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * 413 with a GraphQL-style error. `connection: close` makes Node close the socket once the answer is out instead of
 * draining the rest of the body to keep the connection alive.
 */
export function sendPayloadTooLarge(res: ServerResponse, limit: number, headers: Record<string, string> = {}) {
  const message = `the request body is larger than the ${limit} bytes this server accepts`;
  const body = { errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE', limit } }] };
  sendJson(res, 413, body, { ...headers, connection: 'close' });
}

export function headerMapOf(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Apollo Server 5 on plain `node:http` (it ships no Express integration): translate the request, run it, write the
 * response, streaming when Apollo answers in chunks (incremental delivery).
 */
export async function runApolloRequest<Ctx extends BaseContext>(
  apollo: ApolloServer<Ctx>,
  req: IncomingMessage,
  res: ServerResponse,
  context: () => Promise<Ctx>,
  extraHeaders: Record<string, string> = {},
  limits: {
    readonly maxBodyBytes?: number;
    /** A check of the document's text before Apollo Server parses it (the gateway's token limit): its error is a 400. */
    readonly screen?: (query: unknown) => GraphQLFormattedError | null;
    /** The body, when the caller has read it already (to check the identity signed over its bytes). */
    readonly body?: Buffer;
    /**
     * Runs the request instead of `apollo` (the gateway's analytics lane, gateway/analytics-lane.ts, hands some to a
     * second instance of the same server in a worker thread); the response is written here as Apollo's would be.
     */
    readonly execute?: (request: HTTPGraphQLRequest, context: () => Promise<Ctx>) => Promise<HTTPGraphQLResponse>;
  } = {},
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let rawBody = '';
  try {
    if (limits.body) rawBody = limits.body.toString('utf8');
    else if (req.method === 'POST') rawBody = await readBody(req, limits.maxBodyBytes);
  } catch (error) {
    if (!(error instanceof PayloadTooLargeError)) throw error;
    sendPayloadTooLarge(res, error.limit, extraHeaders);
    return;
  }
  const headers = headerMapOf(req);
  let body: unknown = rawBody;
  if (rawBody && (headers.get('content-type') ?? '').includes('application/json')) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      sendJson(res, 400, { errors: [{ message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
  }
  const query = req.method === 'POST' ? (body as { query?: unknown } | null)?.query : url.searchParams.get('query');
  const refusal = limits.screen?.(query);
  if (refusal) {
    sendJson(res, 400, { errors: [refusal] }, extraHeaders);
    return;
  }
  const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
  const response = limits.execute
    ? await limits.execute(httpGraphQLRequest, context)
    : await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

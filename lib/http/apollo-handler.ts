import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

/** Largest request body accepted; a 1,000-entry batch mutation fits comfortably. */
const maxBodyBytes = 10 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
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
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const rawBody = req.method === 'POST' ? await readBody(req) : '';
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
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context,
  });
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

import { channel } from 'node:diagnostics_channel';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';

/**
 * Every request the gateway sends a subgraph, as it leaves: `{ url, method, headers, body }`. Published only while
 * someone listens (a test capturing the signed identity, a tracer); free otherwise.
 */
export const subgraphRequestChannel = channel('psgraph:subgraph-request');

/** How the gateway's connections to the subgraphs are kept: alive, and as many as the calls in flight need. */
export interface SubgraphConnectionOptions {
  /**
   * How long a connection may sit idle before the gateway closes it. Below the subgraphs' own keep-alive timeout
   * (65 s, lib/graphql/subgraph-server.ts), so the gateway never sends on a connection the subgraph is closing.
   * Default 30 s.
   */
  readonly idleMs?: number;
  /** Connections kept open per subgraph while idle. Default 64. */
  readonly maxIdle?: number;
}

/**
 * A subgraph's answer, read whole before it is handed on (the data source parses all of it anyway): the fetch
 * Response's interface, without web streams behind it.
 */
class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  readonly headers: Headers;
  #used = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    rawHeaders: string[],
    private readonly body: Buffer,
  ) {
    this.headers = new Headers();
    for (let index = 0; index < rawHeaders.length; index += 2) this.headers.append(rawHeaders[index], rawHeaders[index + 1]);
  }

  get ok() {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed() {
    return this.#used;
  }

  #consume(): Buffer {
    if (this.#used) throw new TypeError('body used already');
    this.#used = true;
    return this.body;
  }

  async text() {
    return this.#consume().toString('utf8');
  }

  async json() {
    return JSON.parse(this.#consume().toString('utf8'));
  }

  async arrayBuffer() {
    const body = this.#consume();
    return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  }

  clone(): FetcherResponse {
    const headers: string[] = [];
    for (const [name, value] of this.headers) headers.push(name, value);
    return new BufferedResponse(this.url, this.status, this.statusText, headers, this.body);
  }
}

/**
 * The transport of the gateway's subgraph calls: node:http on keep-alive agents, most recently used connection first
 * (so idle ones age out), the answer read into one buffer. Node's fetch (undici) spends about as much CPU on its web
 * streams and Request/Response objects as the gateway spends on its own work for a deep query; measured here with
 * 10 concurrent 17 KiB answers, node:http took 40–60 % less client CPU per call (docs/benchmarks.md).
 *
 * It behaves as fetch does where the data source and the guard (subgraph-guard.ts) look: a call aborted by its
 * `signal` rejects with the signal's reason (a TimeoutError for AbortSignal.timeout), one that cannot connect with
 * `TypeError('fetch failed', { cause })`.
 */
export function subgraphTransport(options: SubgraphConnectionOptions = {}): Fetcher {
  const agentOptions = { keepAlive: true, timeout: options.idleMs ?? 30_000, maxFreeSockets: options.maxIdle ?? 64, scheduling: 'lifo' as const };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);

  return (url: string, init: FetcherRequestInit = {}) =>
    new Promise<FetcherResponse>((resolve, reject) => {
      const { method = 'GET', headers = {}, body } = init;
      const signal = init.signal as AbortSignal | undefined;
      if (signal?.aborted) return reject(signal.reason);
      if (subgraphRequestChannel.hasSubscribers) subgraphRequestChannel.publish({ url, method, headers, body: body ?? '' });
      const secure = url.startsWith('https:');
      const outgoing = { ...headers };
      if (body !== undefined) outgoing['content-length'] = String(Buffer.byteLength(body));
      let settled = false;
      let sent: ClientRequest;
      const abort = () => {
        fail(signal!.reason);
        sent.destroy();
      };
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', abort);
        reject(error);
      };
      const noAnswer = (cause: unknown) => fail(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause }));
      const send = (again: boolean) => {
        let answered = false;
        const request = (secure ? httpsRequest : httpRequest)(url, { method, headers: outgoing, agent: secure ? https : http }, (response: IncomingMessage) => {
          answered = true;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          // An answer cut short (the subgraph or the network closed it before its end) is no answer.
          response.on('error', noAnswer);
          response.on('close', () => {
            if (!response.complete) noAnswer(new Error('the answer was cut short'));
          });
          response.on('end', () => {
            if (settled) return;
            settled = true;
            signal?.removeEventListener('abort', abort);
            resolve(new BufferedResponse(url, response.statusCode ?? 0, response.statusMessage ?? '', response.rawHeaders, Buffer.concat(chunks)));
          });
        });
        sent = request;
        request.on('error', (error: NodeJS.ErrnoException) => {
          // A kept-alive connection the subgraph (or a proxy) closed while idle, found closed as the request went out
          // and before any answer: sent once more, on a fresh connection (as Node's http docs advise).
          const staleConnection = request.reusedSocket && !answered && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
          if (staleConnection && !again && !settled && !signal?.aborted) return send(true);
          noAnswer(error);
        });
        request.end(body);
      };
      signal?.addEventListener('abort', abort, { once: true });
      send(false);
    });
}

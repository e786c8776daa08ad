import { randomUUID } from 'node:crypto';

/**
 * The importer's only way to the data: GraphQL operations through the gateway, as the person importing (the CLI
 * with their token, the importData mutation with the caller's identity), so every rule and permission of the graph
 * applies to imported data as it does to typed-in data.
 */
export interface ImportGraph {
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/** A GraphQL error answer: its first error's code and message (the operation failed as a whole). */
export class ImportGraphError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The graph could not be reached or answered 5xx: worth one more try. */
    readonly retryable = false,
  ) {
    super(message);
  }
}

interface GraphAnswer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** Turns an answer into its data, or the ImportGraphError of its first error. */
export function dataOf<T>(answer: GraphAnswer<T>): T {
  if (answer.errors?.length) {
    const [first] = answer.errors;
    throw new ImportGraphError(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first.message);
  }
  if (!answer.data) throw new ImportGraphError('INTERNAL_SERVER_ERROR', 'the graph answered without data');
  return answer.data;
}

/** How many times a rate-limited request waits for its turn before the import gives up. */
const RATE_LIMIT_WAITS = 20;

/**
 * The CLI's way in: POST to a gateway's /graphql with a bearer token. A request the gateway's rate limit refuses
 * (429: it never ran) waits the Retry-After it was given and goes again, so a long import runs at the pace the
 * caller's budget allows instead of failing.
 */
export function httpImportGraph(options: { url: string; token: string; timeoutMs?: number }): ImportGraph {
  async function post<T>(query: string, variables: Record<string, unknown>): Promise<{ response: Response; answer: GraphAnswer<T> }> {
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}`, 'x-correlation-id': randomUUID() },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
      });
      const answer = (await response.json().catch(() => ({}))) as GraphAnswer<T>;
      return { response, answer };
    } catch (error) {
      // fetch says only "fetch failed"; why (ECONNREFUSED, ENOTFOUND…) is in its cause.
      const reason = (error as { cause?: { code?: unknown } }).cause?.code;
      const message = `${(error as Error).message}${typeof reason === 'string' ? ` (${reason})` : ''}`;
      throw new ImportGraphError('SERVICE_UNAVAILABLE', `the graph at ${options.url} cannot be reached: ${message}`, true);
    }
  }
  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}) {
      for (let waits = 0; ; waits++) {
        const { response, answer } = await post<T>(query, variables);
        if (response.status === 429 && waits < RATE_LIMIT_WAITS) {
          const seconds = Number(response.headers.get('retry-after') ?? 1);
          await new Promise((resolve) => setTimeout(resolve, Math.max(1, seconds) * 1000));
          continue;
        }
        if (response.status >= 500 && !answer.errors?.length) {
          throw new ImportGraphError('SERVICE_UNAVAILABLE', `the graph answered ${response.status}`, true);
        }
        if (!answer.errors?.length && !response.ok) throw new ImportGraphError('INTERNAL_SERVER_ERROR', `the graph answered ${response.status}`);
        return dataOf(answer);
      }
    },
  };
}

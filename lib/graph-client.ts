import { randomUUID } from 'node:crypto';
import { CORRELATION_HEADER, signIdentity, type Role } from './auth/identity.ts';
import { DependencyUnavailable, DomainError } from './errors.ts';

/** A subgraph asking the whole graph a question (through the gateway), as itself. */
export interface GraphClient {
  query<T>(query: string, variables: Record<string, unknown>, options?: { correlationId?: string }): Promise<T>;
}

interface GraphConnection<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Runs a connection query (it takes `$after: String`) page after page, handing each page's nodes to `page` before the
 * next is asked for; `field` names the connection in the answer.
 */
export async function eachGraphPage<T>(
  graph: GraphClient,
  query: string,
  field: string,
  variables: Record<string, unknown>,
  page: (nodes: T[]) => Promise<void> | void,
  correlationId?: string,
): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const data: Record<string, GraphConnection<T>> = await graph.query<Record<string, GraphConnection<T>>>(query, { ...variables, after }, { correlationId });
    const connection = data[field];
    await page(connection.nodes);
    if (!connection.pageInfo.hasNextPage) return;
    after = connection.pageInfo.endCursor;
  }
}

/** Statuses a proxy or the gateway answers while the graph (or a subgraph behind it) is away. */
const unavailableStatuses = new Set([502, 503, 504]);

/**
 * Posts to the gateway with a service identity (`{ service: name }`, no worker, the module's `serviceRoles`) signed
 * with the identity secret the gateway and subgraphs share, so no subgraph needs client token secrets. `url` is read
 * per call: the embedded hub knows the gateway's port only after the subgraphs are up.
 *
 * A graph that cannot be reached (refused, timed out after `timeoutMs`, 502/503/504, an answer that is not the graph's)
 * throws `DependencyUnavailable`: event consumers retry that with backoff and never park it as a dead letter. An
 * answer the graph gave (errors, a refusal) is the request's own failure.
 */
export function createGraphClient(options: {
  service: string;
  url: () => string;
  identitySecret: string;
  roles?: readonly Role[];
  /** How long one request may take before the graph counts as unreachable. Default 60 s. */
  timeoutMs?: number;
}): GraphClient {
  const identity = { workerId: null, roles: [...(options.roles ?? [])], service: options.service };
  const unavailable = (reason: string, cause?: unknown) =>
    new DependencyUnavailable(`${options.service} could not reach the graph: ${reason}`, { cause });
  return {
    async query<T>(query: string, variables: Record<string, unknown>, request: { correlationId?: string } = {}) {
      let response: Response;
      let body: { data?: T; errors?: Array<{ message: string }> };
      const url = options.url();
      const sent = JSON.stringify({ query, variables });
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [CORRELATION_HEADER]: request.correlationId ?? randomUUID(),
            ...signIdentity(identity, options.identitySecret, { method: 'POST', url, body: sent }),
          },
          body: sent,
          signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
        });
      } catch (error) {
        throw unavailable((error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message, error);
      }
      if (unavailableStatuses.has(response.status)) {
        await response.body?.cancel();
        throw unavailable(`status ${response.status}`);
      }
      try {
        body = (await response.json()) as typeof body;
      } catch (error) {
        // A proxy's error page, or the connection cut mid-answer: not the graph's answer.
        throw unavailable(`status ${response.status} without a GraphQL answer`, error);
      }
      if (!response.ok || body.errors?.length || !body.data) {
        const reason = body.errors?.map((error) => error.message).join('; ') ?? `status ${response.status}`;
        throw new DomainError('INTERNAL_SERVER_ERROR', `${options.service} could not read the graph: ${reason}`);
      }
      return body.data;
    },
  };
}

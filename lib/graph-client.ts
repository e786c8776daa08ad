import { randomUUID } from 'node:crypto';
import { CORRELATION_HEADER, signIdentity, type Role } from './auth/identity.ts';
import { DomainError } from './errors.ts';

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

/**
 * Posts to the gateway with a service identity (`{ service: name }`, no worker, the module's `serviceRoles`) signed with the identity
 * secret the gateway and subgraphs share, so no subgraph needs client token secrets. `url` is read per call: the
 * embedded hub knows the gateway's port only after the subgraphs are up.
 */
export function createGraphClient(options: { service: string; url: () => string; identitySecret: string; roles?: readonly Role[] }): GraphClient {
  return {
    async query<T>(query: string, variables: Record<string, unknown>, request: { correlationId?: string } = {}) {
      const response = await fetch(options.url(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [CORRELATION_HEADER]: request.correlationId ?? randomUUID(),
          ...signIdentity({ workerId: null, roles: [...(options.roles ?? [])], service: options.service }, options.identitySecret),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
      if (!response.ok || body.errors?.length || !body.data) {
        const reason = body.errors?.map((error) => error.message).join('; ') ?? `status ${response.status}`;
        throw new DomainError('INTERNAL_SERVER_ERROR', `${options.service} could not read the graph: ${reason}`);
      }
      return body.data;
    },
  };
}

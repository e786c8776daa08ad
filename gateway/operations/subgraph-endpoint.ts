import { CORRELATION_HEADER, signIdentity } from '../../lib/auth/identity.ts';
import { DependencyUnavailable, DomainError, errorCodes, type ErrorCode } from '../../lib/errors.ts';
import type { GatewayContext } from '../context.ts';

export interface SubgraphEndpointCall {
  readonly subgraph: string;
  /** The subgraph's GraphQL URL; `path` is resolved against it. */
  readonly subgraphUrl: string;
  readonly path: string;
  readonly body: unknown;
  readonly identitySecret: string;
  readonly timeoutMs: number;
  /** What is asked, for the error when the subgraph cannot be reached ("its dead letters"). */
  readonly what: string;
}

/**
 * One call from the gateway to a subgraph's own JSON endpoint beside `/graphql` (dead letters, the audit trail, the
 * exports' pages), as the caller: signed like a GraphQL request, so the subgraph checks the caller's roles again. A
 * refusal becomes the subgraph's DomainError, its message prefixed with the subgraph's name unless it names ids
 * (`error.ids`), which are the subgraph's own and come back prefixed `subgraph:` as the graph knows them.
 */
export async function askSubgraphEndpoint<T>(call: SubgraphEndpointCall, context: GatewayContext): Promise<T> {
  const { subgraph } = call;
  let response: Response;
  const url = new URL(call.path, call.subgraphUrl);
  const sent = JSON.stringify(call.body);
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [CORRELATION_HEADER]: context.correlationId,
        ...signIdentity(context.identity, call.identitySecret, { method: 'POST', url, body: sent }),
      },
      body: sent,
      signal: AbortSignal.timeout(call.timeoutMs),
    });
  } catch (error) {
    throw new DependencyUnavailable(`the ${subgraph} subgraph cannot be reached for ${call.what}`, { cause: error });
  }
  type Refusal = { error?: { code?: string; message?: string; ids?: string[] } };
  const answer = (await response.json().catch(() => ({}))) as T & Refusal;
  if (response.ok) return answer;
  const given = answer.error?.code;
  const code: ErrorCode = given && given in errorCodes ? (given as ErrorCode) : 'INTERNAL_SERVER_ERROR';
  const local = Array.isArray(answer.error?.ids) ? answer.error.ids : [];
  let message = answer.error?.message ?? `status ${response.status}`;
  for (const id of local) message = message.replaceAll(id, `${subgraph}:${id}`);
  if (local.length === 0) throw new DomainError(code, `${subgraph}: ${message}`);
  throw new DomainError(code, message, { ids: local.map((id) => `${subgraph}:${id}`) });
}

import type { GraphQLResolveInfo } from 'graphql';
import { requireRole } from '../../lib/auth/identity.ts';
import { badInput, DomainError } from '../../lib/errors.ts';
import {
  isDeadLetterId,
  type DeadLetterFilter,
  type DeadLetterPage,
  type DeadLetterRecord,
  type DeadLetterStatus,
} from '../../lib/events/dead-letters.ts';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  paginateSorted,
  selectsTotalCount,
  type Ordering,
} from '../../lib/graphql/connection.ts';
import { DEAD_LETTER_PATH } from '../../lib/http/dead-letter-endpoint.ts';
import type { GatewayContext } from '../context.ts';
import { askSubgraphEndpoint } from './subgraph-endpoint.ts';

/** A dead letter as the graph shows it (operations.graphql), with its place in the list. */
interface DeadLetterNode {
  id: string;
  subgraph: string;
  localId: string;
  consumer: string;
  eventId: string;
  eventType: string;
  eventSource: string;
  subject: { typename: string; id: string };
  correlationId: string;
  occurredAt: string;
  payload: string;
  error: string;
  attempts: number;
  firstFailedAt: string;
  parkedAt: string;
  status: DeadLetterStatus;
  resolvedAt: string | null;
  resolvedBy: string | null;
  reason: string | null;
}

/** Newest first across the subgraphs; each subgraph pages in the same order (lib/events/dead-letters.ts). */
const ordering: Ordering = { columns: ['parkedAt', 'subgraph', 'localId'], direction: 'desc' };

const nodeOf = (subgraph: string, record: DeadLetterRecord): DeadLetterNode => ({
  id: `${subgraph}:${record.id}`,
  subgraph,
  localId: record.id,
  consumer: record.consumer,
  eventId: record.eventId,
  eventType: record.event.type,
  eventSource: record.event.source,
  subject: record.event.subject,
  correlationId: record.event.correlationId,
  occurredAt: record.event.occurredAt,
  payload: JSON.stringify(record.event.data),
  error: record.error,
  attempts: record.attempts,
  firstFailedAt: record.firstFailedAt,
  parkedAt: record.parkedAt,
  status: record.status,
  resolvedAt: record.resolvedAt,
  resolvedBy: record.resolvedBy,
  reason: record.reason,
});

const descending = (a: DeadLetterNode, b: DeadLetterNode) => {
  for (const column of ordering.columns as Array<'parkedAt' | 'subgraph' | 'localId'>) {
    if (a[column] !== b[column]) return a[column] < b[column] ? 1 : -1;
  }
  return 0;
};

/** A cursor of this list (lib/graphql/connection.ts encodes them: base64url JSON of the ordering's values). */
function positionOf(cursor: string): DeadLetterPage['after'] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const strings = Array.isArray(values) && values.length === 3 && values.every((value) => typeof value === 'string');
    if (strings && isDeadLetterId(values[2])) {
      return { parkedAt: values[0], subgraph: values[1], id: values[2] };
    }
  } catch {
    // falls through to the error below
  }
  throw badInput('after', 'is not a cursor from this list');
}

interface DeadLettersArgs {
  readonly filter?: (DeadLetterFilter & { readonly subgraph?: readonly string[] | null }) | null;
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface DeadLetterFieldsOptions {
  /** Where each subgraph listens (its GraphQL URL; the dead letters are beside it, at /events/dead-letters). */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  readonly identitySecret: string;
  /** How long one subgraph may take to answer (a retry runs its consumers' handlers). Default 120 s. */
  readonly timeoutMs?: number;
}

/**
 * `deadLetters`, `retryDeadLetters` and `dismissDeadLetters` (operations.graphql): every subgraph keeps its consumers'
 * dead letters in its own database, so the gateway asks each one through its `/events/dead-letters` endpoint, as the
 * caller (signed like a GraphQL request; the subgraph checks ADMIN again), and merges their answers.
 */
export function deadLetterFields(options: DeadLetterFieldsOptions) {
  const subgraphs = Object.keys(options.subgraphUrls).sort();

  const ask = <T>(subgraph: string, action: string, body: unknown, context: GatewayContext) =>
    askSubgraphEndpoint<T>({
      subgraph,
      subgraphUrl: options.subgraphUrls[subgraph],
      path: `${DEAD_LETTER_PATH}${action}`,
      body,
      identitySecret: options.identitySecret,
      timeoutMs: options.timeoutMs ?? 120_000,
      what: 'its dead letters',
    }, context);

  /** The ids by subgraph; NOT_FOUND for any that names no subgraph of this graph. */
  function bySubgraph(ids: readonly string[]): Map<string, string[]> {
    const grouped = new Map<string, string[]>();
    const unknown: string[] = [];
    for (const id of new Set(ids)) {
      const separator = id.indexOf(':');
      const subgraph = id.slice(0, separator);
      if (separator < 0 || !options.subgraphUrls[subgraph]) unknown.push(id);
      else grouped.set(subgraph, [...(grouped.get(subgraph) ?? []), id.slice(separator + 1)]);
    }
    if (unknown.length > 0) throw new DomainError('NOT_FOUND', `no dead letter ${unknown.join(', ')}`, { ids: unknown });
    return grouped;
  }

  /**
   * Runs `action` on the ids, each subgraph its own, once every subgraph has confirmed all its ids are PARKED: an
   * unknown or resolved id anywhere leaves everything as it was.
   */
  async function resolve(ids: readonly string[], action: string, extra: Record<string, unknown>, context: GatewayContext) {
    requireRole(context.identity);
    const grouped = bySubgraph(ids);
    await Promise.all([...grouped].map(([subgraph, local]) => ask(subgraph, '/lookup', { ids: local }, context)));
    const nodes = new Map<string, DeadLetterNode>();
    for (const [subgraph, local] of grouped) {
      const answer = await ask<{ nodes: DeadLetterRecord[] }>(subgraph, action, { ids: local, ...extra }, context);
      for (const record of answer.nodes) nodes.set(`${subgraph}:${record.id}`, nodeOf(subgraph, record));
    }
    return ids.map((id) => nodes.get(id)!);
  }

  return {
    async deadLetters(args: DeadLettersArgs, context: GatewayContext, info: GraphQLResolveInfo) {
      requireRole(context.identity);
      const first = args.first ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
        throw badInput('first', `must be an integer from 0 to ${MAX_PAGE_SIZE}`);
      }
      const after = args.after ? positionOf(args.after) : null;
      const { subgraph: wanted, ...filter } = args.filter ?? {};
      const asked = wanted?.length ? subgraphs.filter((name) => wanted.includes(name)) : subgraphs;
      const withTotal = selectsTotalCount(info);
      // Each subgraph's page after the cursor, one more than asked: merged, they hold the page and whether more follow.
      const pages = await Promise.all(
        asked.map(async (subgraph) => {
          const page: DeadLetterPage = { filter, limit: first + 1, after, withTotal };
          const answer = await ask<{ nodes: DeadLetterRecord[]; totalCount: number }>(subgraph, '', page, context);
          return { nodes: answer.nodes.map((record) => nodeOf(subgraph, record)), totalCount: answer.totalCount };
        }),
      );
      const merged = pages.flatMap((page) => page.nodes).sort(descending);
      const connection = paginateSorted(merged, ordering, { first, after: args.after ?? null });
      return { ...connection, totalCount: pages.reduce((sum, page) => sum + page.totalCount, 0) };
    },

    retryDeadLetters: (args: { ids: string[] }, context: GatewayContext) => resolve(args.ids, '/retry', {}, context),

    async dismissDeadLetters(args: { ids: string[]; reason: string }, context: GatewayContext) {
      requireRole(context.identity);
      if (!args.reason.trim()) throw badInput('reason', 'say why the events are dismissed');
      return resolve(args.ids, '/dismiss', { reason: args.reason }, context);
    },
  };
}

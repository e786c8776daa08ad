import type { GraphQLResolveInfo } from 'graphql';
import { requireRole } from '../../lib/auth/identity.ts';
import type { AuditPage, AuditRecord } from '../../lib/audit/trail.ts';
import { AUDIT_TRAIL_PATH } from '../../lib/audit/endpoint.ts';
import { badInput } from '../../lib/errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, paginateSorted, selectsTotalCount, type Ordering } from '../../lib/graphql/connection.ts';
import type { GatewayContext } from '../context.ts';
import { askSubgraphEndpoint } from './subgraph-endpoint.ts';

/** An audit record as the graph shows it (operations.graphql), with its place in the list. */
interface AuditNode {
  id: string;
  subgraph: string;
  localId: string;
  recordedAt: string;
  entityType: string;
  entityId: string;
  operation: string;
  actor: AuditRecord['actor'];
  changes: Array<{ field: string; before: string; after: string }>;
  correlationId: string;
  reason: string | null;
}

/** Newest first across the subgraphs; each subgraph pages in the same order (lib/audit/trail.ts). */
const ordering: Ordering = { columns: ['recordedAt', 'subgraph', 'localId'], direction: 'desc' };

const nodeOf = (subgraph: string, record: AuditRecord): AuditNode => {
  const fields = [...new Set([...Object.keys(record.before ?? {}), ...Object.keys(record.after ?? {})])];
  return {
    id: `${subgraph}:${record.id}`,
    subgraph,
    localId: record.id,
    recordedAt: record.recordedAt,
    entityType: record.entityType,
    entityId: record.entityId,
    operation: record.operation,
    actor: record.actor,
    changes: fields.map((field) => ({
      field,
      before: JSON.stringify(record.before?.[field] ?? null),
      after: JSON.stringify(record.after?.[field] ?? null),
    })),
    correlationId: record.correlationId,
    reason: record.reason,
  };
};

const descending = (a: AuditNode, b: AuditNode) => {
  for (const column of ordering.columns as Array<'recordedAt' | 'subgraph' | 'localId'>) {
    if (a[column] !== b[column]) return a[column] < b[column] ? 1 : -1;
  }
  return 0;
};

/** A cursor of this list (lib/graphql/connection.ts encodes them: base64url JSON of the ordering's values). */
function positionOf(cursor: string): AuditPage['after'] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === 3 && values.every((value) => typeof value === 'string')) {
      return { recordedAt: values[0], subgraph: values[1], id: values[2] };
    }
  } catch {
    // falls through to the error below
  }
  throw badInput('after', 'is not a cursor from this list');
}

export interface AuditTrailArgs {
  readonly entityType?: string | null;
  readonly entityId?: string | null;
  readonly from?: string | null;
  readonly to?: string | null;
  readonly actor?: string | null;
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface AuditTrailFieldOptions {
  /** Where each subgraph listens (its GraphQL URL; its audit log is beside it, at /audit/trail). */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  readonly identitySecret: string;
  /** How long one subgraph may take to answer. Default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * `auditTrail` (operations.graphql): every subgraph keeps the audit log of its own entities, so the gateway asks each
 * one through its `/audit/trail` endpoint as the caller (the subgraph checks ADMIN or FINANCE again) and merges the
 * pages, as it does the dead letters (operations/dead-letters.ts).
 */
export function auditTrailField(options: AuditTrailFieldOptions) {
  const subgraphs = Object.keys(options.subgraphUrls).sort();
  return {
    async auditTrail(args: AuditTrailArgs, context: GatewayContext, info: GraphQLResolveInfo) {
      requireRole(context.identity, 'FINANCE');
      const first = args.first ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
        throw badInput('first', `must be an integer from 0 to ${MAX_PAGE_SIZE}`);
      }
      if (args.from && args.to && args.from >= args.to) throw badInput('to', 'must be after from');
      const after = args.after ? positionOf(args.after) : null;
      const filter = { entityType: args.entityType, entityId: args.entityId, from: args.from, to: args.to, actor: args.actor };
      const withTotal = selectsTotalCount(info);
      // Each subgraph's page after the cursor, one more than asked: merged, they hold the page and whether more follow.
      const pages = await Promise.all(
        subgraphs.map(async (subgraph) => {
          const page: AuditPage = { filter, limit: first + 1, after, withTotal };
          const answer = await askSubgraphEndpoint<{ nodes: AuditRecord[]; totalCount: number }>({
            subgraph,
            subgraphUrl: options.subgraphUrls[subgraph],
            path: AUDIT_TRAIL_PATH,
            body: page,
            identitySecret: options.identitySecret,
            timeoutMs: options.timeoutMs ?? 30_000,
            what: 'its audit trail',
          }, context);
          return { nodes: answer.nodes.map((record) => nodeOf(subgraph, record)), totalCount: answer.totalCount };
        }),
      );
      const merged = pages.flatMap((page) => page.nodes).sort(descending);
      const connection = paginateSorted(merged, ordering, { first, after: args.after ?? null });
      return { ...connection, totalCount: pages.reduce((sum, page) => sum + page.totalCount, 0) };
    },
  };
}

import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditTables } from './tables.ts';

/** An audit record as a subgraph hands it to the gateway (`/audit/trail`): JSON, times as ISO-8601. */
export interface AuditRecord {
  readonly id: string;
  readonly recordedAt: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly operation: string;
  readonly actor: {
    readonly workerId: string | null;
    readonly roles: readonly string[];
    readonly apiKeyId: string | null;
    readonly service: string | null;
  };
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly correlationId: string;
  readonly reason: string | null;
}

/** Every field given must match; `actor` is a worker id, an API key id or a service name. */
export interface AuditFilter {
  readonly entityType?: string | null;
  readonly entityId?: string | null;
  /** Recorded at or after. */
  readonly from?: string | null;
  /** Recorded before. */
  readonly to?: string | null;
  readonly actor?: string | null;
}

/**
 * Newest first, then by subgraph and id: the order the gateway merges every subgraph's records in (as the dead letters,
 * lib/events/dead-letters.ts). A page starts after `after`, a position in that order.
 */
export interface AuditPage {
  readonly filter: AuditFilter;
  readonly limit: number;
  readonly after?: { readonly recordedAt: string; readonly subgraph: string; readonly id: string } | null;
  readonly withTotal: boolean;
}

const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

const toAuditRecord = (row: Selectable<AuditTables['audit_log']>): AuditRecord => ({
  id: row.id,
  recordedAt: row.recorded_at.toISOString(),
  entityType: row.entity_type,
  entityId: row.entity_id,
  operation: row.operation,
  actor: {
    workerId: row.actor_worker_id,
    roles: json<string[]>(row.actor_roles),
    apiKeyId: row.actor_api_key_id,
    service: row.actor_service,
  },
  before: json<Record<string, unknown> | null>(row.before),
  after: json<Record<string, unknown> | null>(row.after),
  correlationId: row.correlation_id,
  reason: row.reason,
});

/** One page of subgraph `self`'s audit records in the gateway's order, and how many match when asked. */
export async function auditTrailPage(
  subgraphDb: Kysely<any>,
  self: string,
  { filter, limit, after, withTotal }: AuditPage,
): Promise<{ nodes: AuditRecord[]; totalCount: number }> {
  const db = subgraphDb as Kysely<AuditTables>;
  let query = db.selectFrom('audit_log');
  if (filter.entityType) query = query.where('entity_type', '=', filter.entityType);
  if (filter.entityId) query = query.where('entity_id', '=', filter.entityId);
  if (filter.from) query = query.where('recorded_at', '>=', new Date(filter.from));
  if (filter.to) query = query.where('recorded_at', '<', new Date(filter.to));
  const actor = filter.actor;
  if (actor) {
    query = query.where((eb) =>
      eb.or([eb('actor_worker_id', '=', actor), eb('actor_api_key_id', '=', actor), eb('actor_service', '=', actor)]),
    );
  }
  let page = query;
  if (after) {
    // (recorded_at, subgraph, id) < (after.recordedAt, after.subgraph, after.id), with this subgraph's name fixed.
    const at = new Date(after.recordedAt);
    page =
      self < after.subgraph
        ? page.where('recorded_at', '<=', at)
        : self > after.subgraph
          ? page.where('recorded_at', '<', at)
          : page.where((eb) => eb.or([eb('recorded_at', '<', at), eb.and([eb('recorded_at', '=', at), eb('id', '<', after.id)])]));
  }
  const rows = await page.selectAll().orderBy('recorded_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  const nodes = rows.map(toAuditRecord);
  if (!withTotal) return { nodes, totalCount: 0 };
  const counted = await query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return { nodes, totalCount: Number(counted.n) };
}

import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { toJson } from '../db/types.ts';
import type { FailureCount } from './bus.ts';
import type { DomainEvent } from './envelope.ts';
import type { OutboxTables } from './outbox.ts';

export const deadLetterStatuses = ['PARKED', 'RETRIED', 'DISMISSED'] as const;
export type DeadLetterStatus = (typeof deadLetterStatuses)[number];

export type DeadLetterRow = Selectable<OutboxTables['dead_letter']>;

/** A dead letter's own id (a uuid): anything else names none, and is never sent to the database. */
export const isDeadLetterId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** A dead letter as a subgraph hands it to the gateway (`/events/dead-letters`): JSON, times as ISO-8601. */
export interface DeadLetterRecord {
  readonly id: string;
  readonly consumer: string;
  readonly eventId: string;
  readonly event: DomainEvent;
  readonly error: string;
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly parkedAt: string;
  readonly status: DeadLetterStatus;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
  readonly reason: string | null;
}

export interface DeadLetterFilter {
  readonly status?: readonly DeadLetterStatus[] | null;
  readonly consumer?: readonly string[] | null;
  readonly eventType?: readonly string[] | null;
}

/**
 * Newest first, then by subgraph and id: the order the gateway merges every subgraph's dead letters in. A page starts
 * after `after`, a position in that order (`subgraph` is the one whose row it was).
 */
export interface DeadLetterPage {
  readonly filter?: DeadLetterFilter | null;
  readonly limit: number;
  readonly after?: { readonly parkedAt: string; readonly subgraph: string; readonly id: string } | null;
  readonly withTotal: boolean;
}

/** A subgraph's dead letters (`dead_letter`, beside its outbox): what its consumer groups parked, and what became of it. */
export interface DeadLetterStore {
  /** Parks `event` for `consumer`; an event parked again while still parked updates its row (one PARKED row per event). */
  park(
    consumer: string,
    event: DomainEvent,
    error: string,
    failure: Pick<FailureCount, 'attempts' | 'firstFailedAt'>,
  ): Promise<void>;
  /** One page in the gateway's order, as seen from subgraph `self`. */
  list(self: string, page: DeadLetterPage): Promise<{ rows: DeadLetterRow[]; totalCount: number }>;
  get(ids: readonly string[]): Promise<DeadLetterRow[]>;
  /** Resolves a PARKED row; false when it was no longer PARKED (someone resolved it meanwhile). */
  markRetried(id: string, by: string): Promise<boolean>;
  /** A retry failed: the row stays PARKED with the new error, one attempt more. */
  markRetryFailed(id: string, error: string): Promise<void>;
  /** Resolves the rows still PARKED among `ids`. */
  markDismissed(ids: readonly string[], by: string, reason: string): Promise<void>;
  countParked(): Promise<number>;
}

export const toDeadLetterRecord = (row: DeadLetterRow): DeadLetterRecord => ({
  id: row.id,
  consumer: row.consumer,
  eventId: row.event_id,
  event: (typeof row.event === 'string' ? JSON.parse(row.event) : row.event) as DomainEvent,
  error: row.error,
  attempts: Number(row.attempts),
  firstFailedAt: row.first_failed_at.toISOString(),
  parkedAt: row.parked_at.toISOString(),
  status: row.status,
  resolvedAt: row.resolved_at?.toISOString() ?? null,
  resolvedBy: row.resolved_by,
  reason: row.reason,
});

/**
 * The store on a subgraph's own database (its background handle: parking happens off any request). Times are
 * written from JS dates, to the millisecond, so a cursor's `parkedAt` names a row exactly.
 */
export function databaseDeadLetters<DB extends OutboxTables>(subgraphDb: Kysely<DB>): DeadLetterStore {
  const db = subgraphDb as unknown as Kysely<OutboxTables>;
  return {
    async park(consumer, event, error, failure) {
      await db
        .insertInto('dead_letter')
        .values({
          id: randomUUID(),
          consumer,
          event_id: event.id,
          event: toJson(event),
          error,
          attempts: failure.attempts,
          first_failed_at: failure.firstFailedAt,
          parked_at: new Date(),
          status: 'PARKED',
        })
        .onConflict((oc) =>
          oc
            .columns(['consumer', 'event_id'])
            .where('status', '=', 'PARKED')
            .doUpdateSet({ error, attempts: sql`dead_letter.attempts + excluded.attempts` }),
        )
        .execute();
    },

    async list(self, { filter, limit, after, withTotal }) {
      let query = db.selectFrom('dead_letter');
      if (filter?.status?.length) query = query.where('status', 'in', [...filter.status]);
      if (filter?.consumer?.length) query = query.where('consumer', 'in', [...filter.consumer]);
      if (filter?.eventType?.length) query = query.where(sql<string>`event->>'type'`, 'in', [...filter.eventType]);
      let page = query;
      if (after) {
        // (parked_at, subgraph, id) < (after.parkedAt, after.subgraph, after.id), with this subgraph's name fixed.
        const at = new Date(after.parkedAt);
        page =
          self < after.subgraph
            ? page.where('parked_at', '<=', at)
            : self > after.subgraph
              ? page.where('parked_at', '<', at)
              : page.where((eb) =>
                  eb.or([eb('parked_at', '<', at), eb.and([eb('parked_at', '=', at), eb('id', '<', after.id)])]),
                );
      }
      const rows = await page.selectAll().orderBy('parked_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      if (!withTotal) return { rows, totalCount: 0 };
      const counted = await query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
      return { rows, totalCount: Number(counted.n) };
    },

    async get(ids) {
      if (ids.length === 0) return [];
      return db.selectFrom('dead_letter').selectAll().where('id', 'in', [...ids]).execute();
    },

    async markRetried(id, by) {
      const result = await db
        .updateTable('dead_letter')
        .set({ status: 'RETRIED', resolved_by: by, resolved_at: new Date() })
        .where('id', '=', id)
        .where('status', '=', 'PARKED')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async markRetryFailed(id, error) {
      await db
        .updateTable('dead_letter')
        .set({ error, attempts: sql`attempts + 1` })
        .where('id', '=', id)
        .where('status', '=', 'PARKED')
        .execute();
    },

    async markDismissed(ids, by, reason) {
      if (ids.length === 0) return;
      await db
        .updateTable('dead_letter')
        .set({ status: 'DISMISSED', resolved_by: by, reason, resolved_at: new Date() })
        .where('id', 'in', [...ids])
        .where('status', '=', 'PARKED')
        .execute();
    },

    async countParked() {
      const row = await db
        .selectFrom('dead_letter')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('status', '=', 'PARKED')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

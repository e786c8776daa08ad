import { sql, type Generated, type Kysely, type Selectable, type Transaction } from 'kysely';
import { insertByColumns } from '../db/insert-by-columns.ts';
import { retryingDeadlocks } from '../db/retry.ts';
import type { Json } from '../db/types.ts';
import type { DomainEvent } from './envelope.ts';
import { withTraceContext } from './trace-context.ts';

/** The tables every subgraph schema has for events; part of each subgraph's `tables.ts` Database type. */
export interface OutboxTables {
  outbox: {
    seq: Generated<number>;
    id: string;
    type: string;
    occurred_at: Date;
    source: string;
    subject_typename: string;
    subject_id: string;
    correlation_id: string;
    causation_id: string | null;
    data: unknown;
    published_at: Date | null;
    /** The source's publication number, given by the relay as it publishes (1, 2, 3, … without gaps). */
    sequence: number | null;
    /** The W3C trace context of whatever wrote the event, when it was traced (`DomainEvent.traceparent`). */
    traceparent: Generated<string | null>;
    tracestate: Generated<string | null>;
  };
  processed_event: {
    consumer: string;
    event_id: string;
    processed_at: Generated<Date>;
  };
  /** Per consumer group and producer, the next sequence the group expects (lib/events/checkpoints.ts). */
  consumer_checkpoint: {
    consumer: string;
    source: string;
    next_sequence: number;
    updated_at: Generated<Date>;
  };
  /** One row: which relay instance publishes, until when (several replicas of a subgraph share one outbox). */
  outbox_relay_lease: {
    name: string;
    holder: string;
    expires_at: Date;
  };
  /**
   * Events a consumer group parked after its handler kept failing (lib/events/dead-letters.ts), with the last error;
   * at most one PARKED row per group and event. Retried or dismissed rows stay, with who resolved them and why.
   */
  dead_letter: {
    id: string;
    consumer: string;
    event_id: string;
    /** The whole envelope, as the handler got it: a retry hands it to the handler again. */
    event: Json<DomainEvent>;
    error: string;
    attempts: number;
    first_failed_at: Date;
    parked_at: Date;
    status: 'PARKED' | 'RETRIED' | 'DISMISSED';
    resolved_at: Date | null;
    resolved_by: string | null;
    reason: string | null;
  };
}

/** Called from each subgraph's first migration. */
export async function createOutboxTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('seq', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('id', 'uuid', (col) => col.notNull().unique())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull())
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('subject_typename', 'text', (col) => col.notNull())
    .addColumn('subject_id', 'text', (col) => col.notNull())
    .addColumn('correlation_id', 'text', (col) => col.notNull())
    .addColumn('causation_id', 'uuid')
    .addColumn('data', 'jsonb', (col) => col.notNull())
    .addColumn('published_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('outbox_unpublished').on('outbox').column('seq').where(sql.ref('published_at'), 'is', null).execute();
  await db.schema
    .createTable('processed_event')
    .addColumn('consumer', 'text', (col) => col.notNull())
    .addColumn('event_id', 'uuid', (col) => col.notNull())
    .addColumn('processed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('processed_event_pk', ['consumer', 'event_id'])
    .execute();
}

/**
 * Called from each subgraph's event-durability migration: publication sequences, the consumers' checkpoints, the
 * relay's lease and the consumers' dead letters. Rows published before it keep no sequence; they are never replayed
 * and age out with the retention.
 */
export async function addEventDurability(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('sequence', 'bigint').execute();
  await db.schema.createIndex('outbox_sequence').on('outbox').column('sequence').unique().execute();
  await db.schema.createIndex('outbox_published_at').on('outbox').column('published_at').where(sql.ref('published_at'), 'is not', null).execute();
  await db.schema
    .createTable('consumer_checkpoint')
    .addColumn('consumer', 'text', (col) => col.notNull())
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('next_sequence', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('consumer_checkpoint_pk', ['consumer', 'source'])
    .execute();
  await db.schema
    .createTable('outbox_relay_lease')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('holder', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('dead_letter')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('consumer', 'text', (col) => col.notNull())
    .addColumn('event_id', 'uuid', (col) => col.notNull())
    .addColumn('event', 'jsonb', (col) => col.notNull())
    .addColumn('error', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('first_failed_at', 'timestamptz', (col) => col.notNull())
    .addColumn('parked_at', 'timestamptz', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('PARKED', 'RETRIED', 'DISMISSED')`))
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'text')
    .addColumn('reason', 'text')
    .execute();
  await db.schema
    .createIndex('dead_letter_parked')
    .on('dead_letter')
    .columns(['consumer', 'event_id'])
    .unique()
    .where(sql.ref('status'), '=', 'PARKED')
    .execute();
  await db.schema.createIndex('dead_letter_newest').on('dead_letter').columns(['parked_at desc', 'id desc']).execute();
}

/**
 * Called from each subgraph's event-trace-context migration: where an event keeps the trace that wrote it. Rows
 * written before have none; their consumers start traces of their own.
 */
export async function addEventTraceContext(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('traceparent', 'text').addColumn('tracestate', 'text').execute();
}

/**
 * Writes events in the caller's transaction: they exist exactly when the change that caused them commits. Inside a
 * traced request or event, each carries that trace on (lib/events/trace-context.ts).
 */
export async function appendToOutbox<DB extends OutboxTables>(trx: Transaction<DB>, events: readonly DomainEvent<unknown>[]) {
  if (events.length === 0) return;
  await withTraceContext(events, (stamped) => insertEvents(trx as unknown as Transaction<OutboxTables>, stamped));
}

async function insertEvents(trx: Transaction<OutboxTables>, events: readonly DomainEvent<unknown>[]) {
  await trx
    .insertInto('outbox')
    .values(
      events.map((event) => ({
        id: event.id,
        type: event.type,
        occurred_at: new Date(event.occurredAt),
        source: event.source,
        subject_typename: event.subject.typename,
        subject_id: event.subject.id,
        correlation_id: event.correlationId,
        causation_id: event.causationId,
        data: JSON.stringify(event.data),
        published_at: null,
        // Only when present: an untraced event writes exactly the columns it did before tracing.
        ...(event.traceparent ? { traceparent: event.traceparent, tracestate: event.tracestate ?? null } : {}),
      })),
    )
    .execute();
}

/** The columns of a batch's `processed_event` markers (one statement for the batch, its size constant). */
export const processedEventColumns = { consumer: 'text', event_id: 'uuid' } as const;

/**
 * Runs `apply` at most once per (consumer, event): the marker and the effect commit together, so a redelivered event
 * is skipped and a failed one is retried whole. Returns false when the event had been handled already.
 */
export async function handleOnce<DB extends OutboxTables>(
  db: Kysely<DB>,
  consumer: string,
  event: DomainEvent<unknown>,
  apply: (trx: Transaction<DB>) => Promise<void>,
): Promise<boolean> {
  return retryingDeadlocks(() => db.transaction().execute(async (trx) => {
    const inserted = await (trx as unknown as Transaction<OutboxTables>)
      .insertInto('processed_event')
      .values({ consumer, event_id: event.id })
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!inserted) return false;
    await apply(trx);
    return true;
  }));
}

/**
 * `handleOnce` for a batch of events: one transaction marks them all handled (one statement) and runs `apply` with
 * those not handled before, in their order (an id twice in the batch counts once); when every one was, nothing runs.
 * Returns the events applied.
 */
export async function handleEachOnce<DB extends OutboxTables, E extends DomainEvent<unknown>>(
  db: Kysely<DB>,
  consumer: string,
  events: readonly E[],
  apply: (trx: Transaction<DB>, fresh: readonly E[]) => Promise<void>,
): Promise<readonly E[]> {
  if (events.length === 0) return [];
  return retryingDeadlocks(() => db.transaction().execute(async (trx) => {
    const marked = [...new Set(events.map((event) => event.id))].map((id) => ({ consumer, event_id: id }));
    const inserted = await insertByColumns(trx as unknown as Transaction<OutboxTables>, 'processed_event', processedEventColumns, marked)
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .execute();
    const unseen = new Set(inserted.map((row) => row.event_id));
    const fresh = events.filter((event) => unseen.delete(event.id));
    if (fresh.length > 0) await apply(trx, fresh);
    return fresh;
  }));
}

/** The event a committed outbox row holds, with the sequence the relay gave it. */
export function toEvent(row: Selectable<OutboxTables['outbox']>): DomainEvent {
  return {
    id: row.id,
    type: row.type,
    occurredAt: row.occurred_at.toISOString(),
    source: row.source,
    subject: { typename: row.subject_typename, id: row.subject_id },
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
    ...(row.sequence === null ? {} : { sequence: Number(row.sequence) }),
    // `undefined` on a row of a schema migrated before the columns existed (a test's own outbox).
    ...(row.traceparent ? { traceparent: row.traceparent, ...(row.tracestate ? { tracestate: row.tracestate } : {}) } : {}),
  };
}

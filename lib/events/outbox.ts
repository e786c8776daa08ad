import { sql, type Generated, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { EventBus } from './bus.ts';
import type { DomainEvent } from './envelope.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';

/** The two tables every subgraph schema has for events; part of each subgraph's `tables.ts` Database type. */
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
  };
  processed_event: {
    consumer: string;
    event_id: string;
    processed_at: Generated<Date>;
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

/** Writes events in the caller's transaction: they exist exactly when the change that caused them commits. */
export async function appendToOutbox<DB extends OutboxTables>(trx: Transaction<DB>, events: readonly DomainEvent<unknown>[]) {
  if (events.length === 0) return;
  await (trx as unknown as Transaction<OutboxTables>)
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
      })),
    )
    .execute();
}

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
  return db.transaction().execute(async (trx) => {
    const inserted = await (trx as unknown as Transaction<OutboxTables>)
      .insertInto('processed_event')
      .values({ consumer, event_id: event.id })
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!inserted) return false;
    await apply(trx);
    return true;
  });
}

export interface OutboxRelay {
  /** Ask for a publish pass now (services call it after a commit); passes never overlap. */
  kick(): void;
  /** Publishes everything pending, then resolves. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Moves committed outbox rows to the bus in commit order, then marks them published. A crash between the two
 * republishes the row (consumers are idempotent on the event id): at least once, never lost. No transaction is held
 * while publishing, because in-process consumers write to the same (single-session) embedded database.
 */
export function startOutboxRelay(options: {
  db: Kysely<OutboxTables>;
  bus: EventBus;
  pollIntervalMs?: number;
  batchSize?: number;
  logger?: Logger;
}): OutboxRelay {
  const { db, bus, pollIntervalMs = 500, batchSize = 200, logger = silentLogger } = options;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const pass = async () => {
    for (;;) {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .where('published_at', 'is', null)
        .orderBy('seq')
        .limit(batchSize)
        .execute();
      if (rows.length === 0) return;
      for (const row of rows) {
        await bus.publish(toEvent(row));
        await db.updateTable('outbox').set({ published_at: new Date() }).where('seq', '=', row.seq).execute();
      }
      if (rows.length < batchSize) return;
    }
  };

  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await pass();
        } catch (error) {
          logger.error('outbox relay pass failed; will retry', { error });
        }
      } while (again && !stopped);
      running = null;
    })();
    return running;
  };

  const timer = setInterval(() => void run(), pollIntervalMs);
  timer.unref();
  return {
    kick: () => void run(),
    flush: async () => {
      await run();
      if (running) await running;
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
    },
  };
}

function toEvent(row: Selectable<OutboxTables['outbox']>): DomainEvent {
  return {
    id: row.id,
    type: row.type,
    occurredAt: row.occurred_at.toISOString(),
    source: row.source,
    subject: { typename: row.subject_typename, id: row.subject_id },
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
  };
}

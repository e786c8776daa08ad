import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { backoffMs } from './backoff.ts';
import { PartlyPublished, type EventBus } from './bus.ts';
import { toEvent, type OutboxTables } from './outbox.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { withoutStatementDeadline } from '../db/statement-deadline.ts';
import { outsideAnyTrace } from '../tracing/spans.ts';
import { publishing, publishingAll } from './trace-context.ts';

export interface OutboxRelay {
  /** Ask for a publish pass now (services call it after a commit); passes never overlap. */
  kick(): void;
  /** Publishes everything pending, then resolves. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export interface OutboxRelayOptions {
  readonly db: Kysely<OutboxTables>;
  readonly bus: EventBus;
  /** The producer this outbox belongs to (`DomainEvent.source`): the name consumers ask replays of. */
  readonly source: string;
  /** How long published rows are kept for replays (EVENT_RETENTION_HOURS). Default 7 days. */
  readonly retentionMs?: number;
  readonly pollIntervalMs?: number;
  /**
   * Rows per publish (and per replay page). Default 1,000: a pass costs a few statements of its own (numbering, the
   * read, marking published) whatever its size, and under an approval spike those, not the consumers, set the pace
   * at 200 (docs/benchmarks.md, 2026-12-07 "consumer groups in a spike").
   */
  readonly batchSize?: number;
  /** How long a relay instance holds the publishing lease without renewing it. Default 15 s. */
  readonly leaseMs?: number;
  readonly logger?: Logger;
}

const pruneEveryMs = 10 * 60_000;
/** How long `stop` waits for a running pass. */
const stopWaitMs = 5_000;

/**
 * Moves committed outbox rows to the bus in commit order, numbering each source's events 1, 2, 3, … as it publishes
 * them, then marks them published. A crash between the two republishes the row under the same number (consumers are
 * idempotent): at least once, never lost. Published rows are kept for the retention window, so a consumer that missed
 * events (Redis lost them) asks for them again and the relay republishes them from the outbox (`bus.replay`).
 *
 * One relay instance publishes at a time: replicas of a subgraph share the outbox and take turns through a lease row,
 * so numbers are given and published in one order. No transaction is held while publishing, because in-process
 * consumers write to the same (single-session) embedded database.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, bus, source, logger = silentLogger } = options;
  const retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
  const batchSize = options.batchSize ?? 1000;
  const leaseSeconds = Math.max(1, Math.round((options.leaseMs ?? 15_000) / 1000));
  const holder = randomUUID();
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastPrune = 0;

  /** Takes or renews the lease; false while another instance holds it. */
  const lease = async (): Promise<boolean> => {
    const expiresAt = sql<Date>`now() + make_interval(secs => ${leaseSeconds})`;
    const row = await db
      .insertInto('outbox_relay_lease')
      .values({ name: 'outbox', holder, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: expiresAt })
          .where(sql<boolean>`outbox_relay_lease.holder = ${holder} or outbox_relay_lease.expires_at < now()`),
      )
      .returning('holder')
      .executeTakeFirst();
    return row !== undefined;
  };

  /** Marks rows published (by `seq`); a crash before it republishes them under the same numbers. */
  const markPublished = async (seqs: readonly number[]) => {
    if (seqs.length > 0) await db.updateTable('outbox').set({ published_at: new Date() }).where('seq', 'in', seqs).execute();
  };

  /**
   * Publishes rows in order; returns the `seq` of those that went out. When a later one fails (in-process: a handler
   * threw), those before it count as out: `PartlyPublished.published` carries them, `done` is filled before the throw.
   */
  const publishRows = async (rows: Selectable<OutboxTables['outbox']>[], done: number[]) => {
    if (bus.publishAll) {
      // One call for the rows: consumers that take batches get them together (in-process), one round trip (Redis).
      const events = rows.map(toEvent);
      try {
        await publishingAll(events, () => bus.publishAll!(events));
        done.push(...rows.map((row) => row.seq));
      } catch (error) {
        if (error instanceof PartlyPublished) done.push(...rows.slice(0, error.published).map((row) => row.seq));
        throw error;
      }
      return;
    }
    for (const row of rows) {
      const event = toEvent(row);
      await publishing(event, () => bus.publish(event));
      done.push(row.seq);
    }
  };

  /**
   * The next rows to publish, in one statement: those numbered before and not yet published (after a failed pass),
   * numbered after `after` (all when null), then the oldest unnumbered rows, given the next numbers as they are read
   * (under the lease: nobody else numbers meanwhile). The page is the first `batchSize` of them by number; rows
   * numbered beyond it (only after a failed pass) are the next page's.
   */
  const readPage = async (after: number | null) => {
    const page = await db
      .with('fresh', (qb) =>
        qb
          .updateTable('outbox')
          .from((eb) =>
            eb
              .selectFrom('outbox')
              .select(['seq', sql<number>`row_number() over (order by seq)`.as('n')])
              .where('published_at', 'is', null)
              .where('sequence', 'is', null)
              .orderBy('seq')
              .limit(batchSize)
              .as('unnumbered'),
          )
          .set((eb) => ({
            sequence: eb('unnumbered.n', '+', eb.selectFrom('outbox as numbered').select((max) => max.fn.coalesce(max.fn.max('numbered.sequence'), max.lit(0)).as('max'))),
          }))
          .whereRef('outbox.seq', '=', 'unnumbered.seq')
          .returningAll('outbox'),
      )
      .selectFrom((eb) => {
        let numberedBefore = eb.selectFrom('outbox').selectAll().where('published_at', 'is', null).where('sequence', 'is not', null);
        if (after !== null) numberedBefore = numberedBefore.where('sequence', '>', after);
        return numberedBefore.unionAll(eb.selectFrom('fresh').selectAll()).as('page');
      })
      .selectAll()
      .orderBy('sequence')
      .limit(batchSize)
      .execute();
    return page as Selectable<OutboxTables['outbox']>[];
  };

  const publishPending = async (): Promise<boolean> => {
    let published = false;
    let next = readPage(null);
    /** The page before's marking, under way while this page is with the consumers. */
    let marking: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        const rows = await next;
        if (rows.length === 0) return published;
        const head = Number(rows[rows.length - 1].sequence);
        // The next page is numbered and read while this one is with the consumers: a spike's pace is then the slower
        // of the two, not their sum. Publishing stays in order (one page at a time); a page read ahead and left (this
        // one failed) stays unpublished for the next pass.
        next = rows.length < batchSize ? Promise.resolve([]) : readPage(head);
        next.catch(() => undefined);
        const done: number[] = [];
        try {
          await publishRows(rows, done);
        } finally {
          // Marked while the next page goes out (the pass reads past it by number, not by `published_at`); what went
          // out of a page that failed is marked too. A crash before the mark republishes: at least once, never lost.
          const previous = marking;
          marking = previous.then(() => markPublished(done));
        }
        marking.catch(() => undefined);
        published = true;
        await bus.replay?.advertise(source, { head });
      }
    } finally {
      // The pass ends with its rows marked: the next pass reads what is unpublished.
      await marking;
    }
  };

  /** The oldest and newest sequence the outbox holds. */
  const span = async () => {
    const row = await db
      .selectFrom('outbox')
      .select((eb) => [eb.fn.min('sequence').as('floor'), eb.fn.max('sequence').as('head')])
      .where('published_at', 'is not', null)
      .executeTakeFirstOrThrow();
    return { floor: Number(row.floor ?? 1), head: Number(row.head ?? 0) };
  };

  /** A consumer missed events: publish again, from the outbox, everything from `from` (as far back as it keeps). */
  const replay = async (from: number) => {
    const held = await span();
    await bus.replay!.advertise(source, held);
    if (from < held.floor) logger.error('a replay asks for events older than the outbox keeps', { source, from, floor: held.floor });
    let next = Math.max(from, held.floor);
    let count = 0;
    while (next <= held.head) {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .where('published_at', 'is not', null)
        .where('sequence', '>=', next)
        .where('sequence', '<=', held.head)
        .orderBy('sequence')
        .limit(batchSize)
        .execute();
      if (rows.length === 0) break;
      await publishRows(rows, []);
      count += rows.length;
      next = Number(rows[rows.length - 1].sequence) + 1;
    }
    await bus.replay!.answered(source, from);
    logger.warn('replayed events a consumer missed', { source, from, events: count });
  };

  /** Published rows past the retention go, except the newest numbered one: numbering continues after it. */
  const prune = async () => {
    const cutoff = new Date(Date.now() - retentionMs);
    const newest = db.selectFrom('outbox').select((eb) => eb.fn.max('sequence').as('max'));
    const { numDeletedRows } = await db
      .deleteFrom('outbox')
      .where('published_at', '<', cutoff)
      .where((eb) => eb.or([eb('sequence', 'is', null), eb('sequence', '<', newest)]))
      .executeTakeFirst();
    if (numDeletedRows > 0n) {
      logger.info('pruned published events past the retention', { source, events: Number(numDeletedRows) });
      if (bus.replay) await bus.replay.advertise(source, { floor: (await span()).floor });
    }
  };

  const pass = async () => {
    const replayFrom = (await bus.replay?.requested(source)) ?? null;
    const pending = await db.selectFrom('outbox').select('seq').where('published_at', 'is', null).limit(1).execute();
    const pruneDue = Date.now() - lastPrune > pruneEveryMs;
    if (replayFrom === null && pending.length === 0 && !pruneDue) return;
    if (!(await lease())) return;
    // What was missed goes out before anything new: each consumer gets a source's events in sequence order.
    if (replayFrom !== null) await replay(replayFrom);
    await publishPending();
    if (pruneDue) {
      lastPrune = Date.now();
      await prune();
    }
  };

  /** Consecutive failed passes, and when the next may start: a consumer or bus that keeps failing is not spun on. */
  let failedPasses = 0;
  let retryAt = 0;

  const run = (force = false): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    if (!force && Date.now() < retryAt) return Promise.resolve();
    running = (async () => {
      do {
        again = false;
        try {
          await pass();
          failedPasses = 0;
          retryAt = 0;
        } catch (error) {
          failedPasses++;
          const retryInMs = backoffMs(failedPasses);
          retryAt = Date.now() + retryInMs;
          logger.error('outbox relay pass failed; will retry', { source, failedPasses, retryInMs, error });
          break;
        }
      } while (again && !stopped);
      running = null;
    })();
    return running;
  };

  const timer = setInterval(() => void outsideAnyTrace(run), options.pollIntervalMs ?? 500);
  timer.unref();
  return {
    // A request's commit kicks the pass; the pass is not that request's work and has none of its deadline, nor its
    // trace (each event's publish is a span in the trace that wrote the event).
    kick: () => void withoutStatementDeadline(() => outsideAnyTrace(run)),
    // An explicit flush (settling tests, shutdown) tries at once, whatever the backoff.
    flush: async () => {
      await outsideAnyTrace(() => run(true));
      if (running) await running;
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      // A pass waiting on an unreachable bus must not hold the shutdown: what it had not published stays in the
      // outbox and goes out after the restart.
      if (running) await Promise.race([running, new Promise((resolve) => setTimeout(resolve, stopWaitMs).unref())]);
      // Another replica takes over at once instead of waiting for the lease to run out.
      await db.deleteFrom('outbox_relay_lease').where('holder', '=', holder).execute().catch(() => undefined);
    },
  };
}

import { badInput, DomainError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { EventHandler } from './bus.ts';
import {
  isDeadLetterId,
  toDeadLetterRecord,
  type DeadLetterPage,
  type DeadLetterRecord,
  type DeadLetterRow,
  type DeadLetterStore,
} from './dead-letters.ts';
import { describeFailure } from './failures.ts';

export interface DeadLetterServiceOptions {
  /** The subgraph's name: its place in the gateway's order of every subgraph's dead letters. */
  readonly subgraph: string;
  readonly store: DeadLetterStore;
  /** The running handler of a consumer group (lib/events/consumer-bus.ts). */
  readonly handlerOf: (group: string) => EventHandler | undefined;
  readonly logger: Logger;
  /** Parked rows changed (a retry or a dismissal resolved some). */
  readonly onChange?: () => void;
}

/**
 * What an administrator does with one subgraph's dead letters (the gateway's `deadLetters`, `retryDeadLetters`,
 * `dismissDeadLetters` ask every subgraph through `/events/dead-letters`). The caller is checked by the endpoint.
 */
export function createDeadLetterService(options: DeadLetterServiceOptions) {
  const { store, logger } = options;

  /** The rows, in the order of `ids`; NOT_FOUND for any unknown, CONFLICT for any no longer PARKED: nothing is done then. */
  async function parked(ids: readonly string[]): Promise<DeadLetterRow[]> {
    const rows = new Map((await store.get(ids.filter(isDeadLetterId))).map((row) => [row.id, row]));
    const missing = ids.filter((id) => !rows.has(id));
    if (missing.length > 0) throw new DomainError('NOT_FOUND', `no dead letter ${missing.join(', ')}`, { ids: missing });
    const resolved = ids.filter((id) => rows.get(id)!.status !== 'PARKED');
    if (resolved.length > 0) {
      const message = `dead letter ${resolved.join(', ')} is already resolved (retried or dismissed)`;
      throw new DomainError('CONFLICT', message, { ids: resolved });
    }
    return ids.map((id) => rows.get(id)!);
  }

  const current = async (ids: readonly string[]) => {
    const rows = new Map((await store.get(ids)).map((row) => [row.id, row]));
    return ids.map((id) => toDeadLetterRecord(rows.get(id)!));
  };

  return {
    async list(page: DeadLetterPage): Promise<{ nodes: DeadLetterRecord[]; totalCount: number }> {
      const { rows, totalCount } = await store.list(options.subgraph, page);
      return { nodes: rows.map(toDeadLetterRecord), totalCount };
    },

    /** Checks the ids without changing anything (the gateway asks every subgraph before any acts). */
    async lookup(ids: readonly string[]): Promise<DeadLetterRecord[]> {
      return (await parked(ids)).map(toDeadLetterRecord);
    },

    /**
     * Hands each parked event to its group's handler again, oldest first (a cancellation parked after its approval
     * runs after it). Success resolves it as RETRIED; a failure leaves it PARKED with the new error, one attempt more.
     */
    async retry(ids: readonly string[], by: string): Promise<DeadLetterRecord[]> {
      const rows = await parked([...new Set(ids)]);
      const oldestFirst = [...rows].sort((a, b) => a.parked_at.getTime() - b.parked_at.getTime() || (a.id < b.id ? -1 : 1));
      for (const row of oldestFirst) {
        const record = toDeadLetterRecord(row);
        const about = { id: row.id, consumer: row.consumer, eventId: row.event_id };
        const handler = options.handlerOf(row.consumer);
        try {
          if (!handler) throw new Error(`consumer group ${row.consumer} is not running in this ${options.subgraph} process`);
          // Not delivered by the bus: no position on it (the subgraphs' handlers do not read one).
          await handler(record.event, { position: '0-0' });
          if (!(await store.markRetried(row.id, by))) logger.warn('a retried dead letter was resolved meanwhile', about);
          logger.info('retried a dead letter', { ...about, by });
        } catch (error) {
          await store.markRetryFailed(row.id, describeFailure(error));
          logger.warn('a retried dead letter failed again; it stays parked', { ...about, error });
        }
      }
      options.onChange?.();
      return current(ids);
    },

    async dismiss(ids: readonly string[], by: string, reason: string): Promise<DeadLetterRecord[]> {
      if (!reason.trim()) throw badInput('reason', 'say why the events are dismissed');
      const rows = await parked([...new Set(ids)]);
      // One that someone resolved between the check and now keeps their resolution: the answer shows it as it is.
      await store.markDismissed(rows.map((row) => row.id), by, reason);
      for (const row of rows) {
        logger.info('dismissed a dead letter', { id: row.id, consumer: row.consumer, eventId: row.event_id, by, reason });
      }
      options.onChange?.();
      return current(ids);
    },
  };
}

export type DeadLetterService = ReturnType<typeof createDeadLetterService>;

/**
 * The number of PARKED dead letters, for `/healthz`: probes call it often, and it must answer even while the embedded
 * (single-session) database is busy. It answers the last count, refreshed when older than `maxAgeMs` or marked
 * stale (a park, a retry, a dismissal here), waiting at most `waitMs` for the refresh; null until one succeeded.
 */
export function parkedCount(
  store: Pick<DeadLetterStore, 'countParked'>,
  options: { maxAgeMs?: number; waitMs?: number } = {},
) {
  const maxAgeMs = options.maxAgeMs ?? 5000;
  const waitMs = options.waitMs ?? 500;
  let value: number | null = null;
  let countedAt = 0;
  let refreshing: Promise<void> | null = null;
  /** Bumped by `stale`: a count that started before a change does not pass for a fresh one. */
  let generation = 0;
  const refresh = () => {
    const started = generation;
    return (refreshing ??= store
      .countParked()
      .then((count) => {
        value = count;
        if (generation === started) countedAt = Date.now();
      })
      .catch(() => undefined)
      .finally(() => {
        refreshing = null;
      }));
  };
  return {
    async current(): Promise<number | null> {
      if (Date.now() - countedAt > maxAgeMs) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([refresh(), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        clearTimeout(timer);
      }
      return value;
    },
    stale() {
      generation++;
      countedAt = 0;
    },
  };
}

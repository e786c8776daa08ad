import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which kind of work a database call is for (docs/architecture.md, Workloads and isolation): `interactive` is a
 * person waiting on a request (logging time, approving, a page of a list); `batch` is long or background work that
 * can wait a little (a month-end invoice run's parts, the outbox relay). PGlite's one session serves interactive
 * work first; on PostgreSQL batch work takes its connections from a pool of its own.
 */
export type Workload = 'interactive' | 'batch';

const workloads = new AsyncLocalStorage<Workload>();

/** Runs `work` (and everything it awaits) as batch work. */
export function runAsBatch<T>(work: () => T): T {
  return workloads.run('batch', work);
}

/** The workload the current code runs for: interactive unless inside `runAsBatch`. */
export function currentWorkload(): Workload {
  return workloads.getStore() ?? 'interactive';
}

import type { Workload } from './workload.ts';

/**
 * A lock with two queues: PGlite is one session, so every Kysely connection on it must hold this for its whole
 * lifetime. Waiting interactive work goes before waiting batch work, so a month-end run's next transaction, or the
 * relay, queues behind a worker's request rather than in front of it; each queue is FIFO. So that batch work is never
 * starved by a steady stream of requests, a batch waiter goes next after `interactiveTurns` interactive turns in a row
 * taken while it waited.
 */
export class Mutex {
  #locked = false;
  readonly #waiting: Record<Workload, Array<() => void>> = { interactive: [], batch: [] };
  #interactiveInARow = 0;

  constructor(readonly interactiveTurns = 8) {}

  async acquire(workload: Workload = 'interactive'): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting[workload].push(resolve));
  }

  release(): void {
    const { interactive, batch } = this.#waiting;
    const batchFirst = batch.length > 0 && (interactive.length === 0 || this.#interactiveInARow >= this.interactiveTurns);
    const next = batchFirst ? batch.shift() : interactive.shift();
    if (!next) {
      this.#locked = false;
      return;
    }
    this.#interactiveInARow = batchFirst || batch.length === 0 ? 0 : this.#interactiveInARow + 1;
    next();
  }
}

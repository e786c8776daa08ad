import { setImmediate as nextTurn } from 'node:timers/promises';
import { requestDeadline } from './db/statement-deadline.ts';
import { DependencyUnavailable } from './errors.ts';

/**
 * Cooperative time-slicing for CPU-heavy answers (docs/architecture.md, Workloads and isolation). The embedded hub
 * runs the gateway and all five subgraphs on one event loop, so a year of `utilization` by day computed in one
 * synchronous stretch (seconds) holds up every other request's I/O for as long: a worker's `logTimeEntry` waits for
 * it. Long loops call `yieldIfBusy()` at safe points instead; it returns at once until the current turn of the event
 * loop has run `SLICE_MS`, then gives the loop a turn (pending I/O, other requests' callbacks) before going on.
 */
export const SLICE_MS = 10;

let sliceStartedAt = 0;
let sliceOpen = false;
const closeSlice = () => {
  sliceOpen = false;
};
/** Starts a slice at `now`, ending with the current turn (a `setImmediate` marks where the turn ends). */
const openSlice = (now: number) => {
  sliceOpen = true;
  sliceStartedAt = now;
  setImmediate(closeSlice);
};

/** Callers of `yieldIfBusy` waiting for a turn, in the order they yielded. */
const waiting: (() => void)[] = [];

/**
 * Lets the first waiter go on, with a slice of its own, and the next one on the turn after. One per turn: waiters
 * that all yielded in one turn (hcm's capacity of each of 80 workers for a KPI, each resolver at its safe point)
 * would otherwise all go on in the next turn's same phase, one after another — the one long stretch they yielded
 * to avoid (a profile of `bench:month-end`, docs/benchmarks.md 2026-12-08, the analytics lane: 0.5 s).
 */
function releaseNext() {
  const next = waiting.shift();
  if (!next) return;
  openSlice(performance.now());
  next();
  if (waiting.length > 0) setImmediate(releaseNext);
}

/**
 * Resolves at once (undefined: nothing to await) while the current turn has run less than `SLICE_MS` since the first
 * call in it; past that, a promise that resolves on a later turn, after the loop has polled for I/O, and after the
 * callers that yielded before it have had a turn each (`releaseNext`). A turn is measured from the first call in it
 * (a `setImmediate` marks where the turn ends), so the cost when there is no need to yield is a clock read.
 *
 * The promise rejects (SERVICE_UNAVAILABLE, retryable) when the request the work is for has passed its deadline
 * meanwhile: the gateway has answered without it, so the rest of a long computation would only take turns from the
 * requests still waiting (as its SQL is cancelled by `statement_timeout`).
 */
export function yieldIfBusy(): Promise<void> | undefined {
  const now = performance.now();
  if (!sliceOpen) {
    openSlice(now);
    return undefined;
  }
  if (now - sliceStartedAt < SLICE_MS) return undefined;
  const deadline = requestDeadline();
  const turn = new Promise<void>((resolve) => {
    if (waiting.push(resolve) === 1) setImmediate(releaseNext);
  });
  return deadline === undefined ? turn : turn.then(() => stopPastDeadline(deadline));
}

function stopPastDeadline(deadline: number): void {
  if (Date.now() >= deadline) throw new DependencyUnavailable("the request's deadline passed while it was computed; the work for it stopped");
}

/**
 * Runs a computation written as a generator that `yield`s at its safe points, giving the event loop a turn whenever
 * it has run a slice (`yieldIfBusy`). `runSteps` runs the same generator to its end at once: one computation, two
 * drivers, the same answer.
 */
export async function paceSteps<T>(steps: Generator<unknown, T>): Promise<T> {
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    const turn = yieldIfBusy();
    if (turn) await turn;
  }
}

/** The generator of `paceSteps` run to its end without yielding. */
export function runSteps<T>(steps: Generator<unknown, T>): T {
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/** Items per turn of a paced list: about 2 ms of a KPI row's fields through graphql-js on this hardware. */
const LIST_SLICE = 250;

/**
 * A long list a resolver returns (KPI rows: tens of thousands), handed to graphql-js so that it completes the items'
 * fields `LIST_SLICE` at a time, each slice on a turn of the event loop of its own, instead of all in one synchronous
 * stretch: the first slice as values, each later one as promises released one turn after the slice before.
 * Short lists are returned as they are. The answer is the same list, in the same order.
 */
export function pacedList<T>(items: T[]): Array<T | Promise<T>> {
  if (items.length <= LIST_SLICE) return items;
  const paced: Array<T | Promise<T>> = items.slice(0, LIST_SLICE);
  let released: Promise<unknown> = Promise.resolve();
  for (let start = LIST_SLICE; start < items.length; start += LIST_SLICE) {
    released = released.then(() => nextTurn());
    const slice = released;
    for (const item of items.slice(start, start + LIST_SLICE)) paced.push(slice.then(() => item));
  }
  return paced;
}

/** 0.5 s, 1 s, 2 s, … up to 30 s: a failing handler or an unreachable neighbour is retried, not spun on. */
export const backoffMs = (attempt: number): number => Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 6));

/** Injected wherever "now" matters, so tests can pin dates. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** ISO calendar date (YYYY-MM-DD) of an instant, in UTC. */
export const isoDate = (instant: Date): string => instant.toISOString().slice(0, 10);

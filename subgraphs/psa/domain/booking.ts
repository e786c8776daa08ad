import { fromScaled } from '../../../lib/decimal.ts';

/** One ISO week of a worker: capacity (hcm) and CONFIRMED booked hours (psa), in hundredths of an hour. */
export interface WeekLoad {
  start: string;
  end: string;
  capacity: bigint;
  booked: bigint;
}

export interface OverbookedWeek {
  start: string;
  end: string;
  capacityHours: string;
  bookedHours: string;
  limitHours: string;
}

/**
 * The weeks a booking would overbook: booked hours above `limitPercent` of the week's capacity (the limit rounded
 * down to hundredths, so a limit is never exceeded by rounding). A week without capacity is overbooked by any hour.
 */
export function overbookedWeeks(weeks: readonly WeekLoad[], limitPercent: number): OverbookedWeek[] {
  return weeks
    .map((week) => ({ week, limit: (week.capacity * BigInt(limitPercent)) / 100n }))
    .filter(({ week, limit }) => week.booked > limit)
    .map(({ week, limit }) => ({
      start: week.start, end: week.end, capacityHours: fromScaled(week.capacity, 2), bookedHours: fromScaled(week.booked, 2), limitHours: fromScaled(limit, 2),
    }));
}

import type { DateWindow } from './assignment.ts';

/** How long estimated demand is spread when the contract has no end date. */
export const OPEN_ENDED_STAFFING_DAYS = 90;

const addDays = (date: string, days: number) => {
  const instant = new Date(`${date}T00:00:00Z`);
  instant.setUTCDate(instant.getUTCDate() + days);
  return instant.toISOString().slice(0, 10);
};

/** The window of the staffing requests a won deal creates: the contract's term, or its start + 90 days if open-ended. */
export const staffingWindow = (startDate: string, endDate: string | null): DateWindow => ({
  startDate,
  endDate: endDate ?? addDays(startDate, OPEN_ENDED_STAFFING_DAYS),
});

/**
 * The code of a won deal's project: `P-<contract number>`. If someone already took it by hand, the first free
 * `P-<number>-2`, `-3`, … so the consumer never fails forever on a clash.
 */
export function dealProjectCode(contractNumber: string, takenCodes: readonly string[]): string {
  const base = `P-${contractNumber}`;
  const taken = new Set(takenCodes);
  if (!taken.has(base)) return base;
  let suffix = 2;
  while (taken.has(`${base}-${suffix}`)) suffix += 1;
  return `${base}-${suffix}`;
}

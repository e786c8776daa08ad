import { badInput } from '../../../lib/errors.ts';

const segment = '(0|[1-9]\\d{0,5})';
const wbsPattern = new RegExp(`^${segment}(\\.${segment}){0,9}$`);

/**
 * A work-breakdown code: dot-separated numbers without leading zeros ("1", "1.2", "3.10.4"), at most ten levels.
 * Leading zeros are refused so "1.02" and "1.2" cannot both exist and sort alike.
 */
export function checkWbs(field: string, wbs: string): string {
  const trimmed = wbs.trim();
  if (!wbsPattern.test(trimmed)) throw badInput(field, `"${wbs}" is not a WBS code such as 1 or 1.2`);
  return trimmed;
}

/** A key that sorts in WBS order as text: "1.9" → "000001.000009", before "1.10" → "000001.000010". */
export const wbsSortKey = (wbs: string) =>
  wbs
    .split('.')
    .map((part) => part.padStart(6, '0'))
    .join('.');

/** "1.2.3" → "1.2"; a top-level code has no parent. */
export const parentWbsOf = (wbs: string): string | null => (wbs.includes('.') ? wbs.slice(0, wbs.lastIndexOf('.')) : null);

/** A subtask's code extends its parent's by one level, so the code alone shows where the task sits. */
export function assertChildWbs(parentWbs: string, wbs: string): void {
  if (parentWbsOf(wbs) !== parentWbs) throw badInput('wbs', `a subtask of ${parentWbs} is numbered ${parentWbs}.n, not ${wbs}`);
}

import { createHash } from 'node:crypto';
import { RowError } from './records.ts';

/**
 * How many distinct dates keep their occurrence counts: a sorted export needs one; two weeks allow some disorder while
 * memory stays a few days' rows (a count per distinct row of each date kept).
 */
const DATES_KEPT = 14;

/**
 * Stable ids for rows that carry none (Harvest's detailed time report has no entry id): a hash of the row's
 * identifying columns plus how many identical rows came before it in the file, so two identical rows (the same person,
 * day, task, hours and notes, logged twice) stay two entries and a re-run of the same file finds both again.
 *
 * Memory stays bounded: counts are kept per date, for the last DATES_KEPT dates the file has come to (exports are sorted
 * by date, either way). A row whose date was already let go cannot be told from an earlier identical row, so it is refused asking
 * for the file sorted by date, rather than merged with that row.
 */
export class RowIdentity {
  readonly #counts = new Map<string, Map<string, number>>();
  readonly #released = new Set<string>();

  /** `<sha256 of the columns, 32 hex>-<occurrence, from 1>` */
  idFor(date: string, columns: readonly (string | null)[]): string {
    if (this.#released.has(date)) {
      throw new RowError('Date', `the file came back to ${date} after moving more than ${DATES_KEPT} days on: sort it by date`);
    }
    let counts = this.#counts.get(date);
    if (!counts) {
      counts = new Map();
      this.#counts.set(date, counts);
      if (this.#counts.size > DATES_KEPT) this.#releaseOldest();
    }
    const hash = createHash('sha256').update(JSON.stringify([date, ...columns])).digest('hex').slice(0, 32);
    const occurrence = (counts.get(hash) ?? 0) + 1;
    counts.set(hash, occurrence);
    return `${hash}-${occurrence}`;
  }

  #releaseOldest() {
    // The date seen first, whichever way the file is sorted.
    const first = this.#counts.keys().next().value!;
    this.#counts.delete(first);
    this.#released.add(first);
  }
}

import type { Kysely } from 'kysely';
import type { Role } from '../../../lib/auth/identity.ts';
import type { Clock } from '../../../lib/clock.ts';
import { checkDecimal, compareDecimals } from '../../../lib/decimal.ts';
import { createEvent, type EventCause } from '../../../lib/events/envelope.ts';
import { transactionalWriter } from '../../../lib/idempotency.ts';
import { changedColumns } from '../../../lib/upsert.ts';
import { noForeignRefs, type ForeignRefs } from '../../../lib/foreign-refs.ts';
import type { PsaDatabase } from '../tables.ts';

/** What psa's use cases need: the database, the clock and the relay kick to call after a commit. */
export interface PsaServiceDeps {
  readonly db: Kysely<PsaDatabase>;
  readonly clock: Clock;
  readonly onCommit: () => void;
  /** crm's and hcm's records by their ids in other systems, through the gateway (`foreign-refs.ts`). */
  readonly foreign?: ForeignRefs;
}

/** Who plans projects (tasks, milestones, lifecycle); ADMIN passes every check. */
export const plannerRoles: readonly Role[] = ['MANAGER'];
/** Who staffs them (assignments, staffing requests). */
export const stafferRoles: readonly Role[] = ['MANAGER', 'RESOURCE_MANAGER'];

/** The transaction and event plumbing every use case shares. */
export function createWriter(deps: PsaServiceDeps) {
  const { db, clock } = deps;
  return {
    db,
    clock,
    foreign: deps.foreign ?? noForeignRefs,
    /** One transaction (once per idempotency key when one is given), then a relay kick for its outbox events. */
    write: transactionalWriter(db, deps.onCommit),
    event<T>(cause: EventCause, type: string, typename: string, id: string, data: T) {
      return createEvent<T>('psa', type, { typename, id }, data, cause, clock.now());
    },
  };
}

export type Writer = ReturnType<typeof createWriter>;

/** Hours: two decimals, not negative (null stays null). */
export const checkHours = (field: string, value: string | null | undefined) =>
  value == null ? null : checkDecimal(field, value, { scale: 2, min: 'zero' });

/** An amount in the project's currency: two decimals, not negative. */
export const checkAmount = (field: string, value: string | null | undefined) =>
  value == null ? null : checkDecimal(field, value, { scale: 2, min: 'zero' });

/**
 * The columns of `next` that differ from `current`: an update writes (and moves `updated_at`) only when there are
 * any. Decimal columns compare by value: the database answers "8.00" where an input may say "8".
 */
export function changesOf<Row extends Record<string, unknown>>(current: Row, next: Partial<Row>, decimals: ReadonlyArray<keyof Row> = []): Partial<Row> {
  const changed = changedColumns(current, next);
  for (const key of decimals) {
    const [now, then] = [current[key], next[key]];
    if (key in changed && now != null && then != null && compareDecimals(String(now), String(then)) === 0) delete changed[key];
  }
  return changed;
}

export const isEmpty = (changes: object) => Object.keys(changes).length === 0;

import type { Kysely } from 'kysely';
import type { Role } from '../../../lib/auth/identity.ts';
import type { Clock } from '../../../lib/clock.ts';
import { checkDecimal } from '../../../lib/decimal.ts';
import { createEvent, type EventCause } from '../../../lib/events/envelope.ts';
import { transactionalWriter } from '../../../lib/idempotency.ts';
import type { PsaDatabase } from '../tables.ts';

/** What psa's use cases need: the database, the clock and the relay kick to call after a commit. */
export interface PsaServiceDeps {
  readonly db: Kysely<PsaDatabase>;
  readonly clock: Clock;
  readonly onCommit: () => void;
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

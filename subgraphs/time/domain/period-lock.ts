import { hasRole, type Identity, type Role } from '../../../lib/auth/identity.ts';
import { addDays } from './iso-week.ts';
import { DomainError, badInput } from '../../../lib/errors.ts';
import type { PeriodLockStatus } from '../tables.ts';

export interface LockedPeriod {
  id: string;
  periodStart: string;
  periodEnd: string;
  status: PeriodLockStatus;
}

/** Inclusive date ranges that share at least one day. */
export const periodsOverlap = (a: { periodStart: string; periodEnd: string }, b: { periodStart: string; periodEnd: string }) =>
  a.periodStart <= b.periodEnd && b.periodStart <= a.periodEnd;

export function checkPeriod(periodStart: string, periodEnd: string): void {
  if (periodEnd < periodStart) throw badInput('periodEnd', `must be on or after periodStart (${periodStart})`);
}

export type ClosePlan = { kind: 'create' } | { kind: 'reclose'; id: string };

/**
 * What closing [periodStart, periodEnd] of a legal entity does, given its locks that overlap the period. Closed
 * periods of one legal entity never overlap, so a date is locked by at most one lock:
 * 1/ the same period, already CLOSED → INVALID_TRANSITION;
 * 2/ another CLOSED lock sharing a day → CONFLICT;
 * 3/ the same period, reopened earlier (OPEN) → close that lock again (its history stays one row);
 * 4/ otherwise a new lock. Reopened locks of other periods are history and do not block.
 */
export function planClose(overlapping: readonly LockedPeriod[], periodStart: string, periodEnd: string): ClosePlan {
  checkPeriod(periodStart, periodEnd);
  const period = { periodStart, periodEnd };
  const same = overlapping.find((lock) => lock.periodStart === periodStart && lock.periodEnd === periodEnd);
  if (same?.status === 'CLOSED') {
    throw new DomainError('INVALID_TRANSITION', `the period ${periodStart} to ${periodEnd} is already closed`, { periodLockId: same.id });
  }
  const clash = overlapping.find((lock) => lock !== same && lock.status === 'CLOSED' && periodsOverlap(lock, period));
  if (clash) {
    throw new DomainError(
      'CONFLICT',
      `the period overlaps the closed period ${clash.periodStart} to ${clash.periodEnd}`,
      { periodLockId: clash.id },
    );
  }
  return same ? { kind: 'reclose', id: same.id } : { kind: 'create' };
}

/** Only a closed period can be reopened. */
export function assertReopen(lock: LockedPeriod): void {
  if (lock.status !== 'CLOSED') {
    throw new DomainError('INVALID_TRANSITION', `the period ${lock.periodStart} to ${lock.periodEnd} is not closed`, { periodLockId: lock.id });
  }
}

/**
 * What a caller may do in a closed period: NONE (it is locked to them), GRACE (they may still change its entries until
 * the lock's grace ends) or OVERRIDE (any time). The rights are written down here and nowhere else.
 */
export type PeriodRights = 'NONE' | 'GRACE' | 'OVERRIDE';

/** Roles that keep fixing a period's time during its grace days (late approvals, corrections). */
export const graceRoles: readonly Role[] = ['MANAGER', 'FINANCE'];

export function periodRightsOf(identity: Identity): PeriodRights {
  if (hasRole(identity, 'ADMIN')) return 'OVERRIDE';
  if (hasRole(identity, ...graceRoles)) return 'GRACE';
  return 'NONE';
}

/** The last day of grace for a period closed with `graceDays` days of grace; null without grace. */
export function graceUntil(periodEnd: string, graceDays: number): string | null {
  if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > 366) throw badInput('graceDays', 'must be an integer from 0 to 366');
  return graceDays === 0 ? null : addDays(periodEnd, graceDays);
}

/** The closed locks that still bind a caller with these rights today: all of them, minus those in grace for GRACE. */
export function bindingLocks<L extends { graceUntil: string | null }>(locks: readonly L[], rights: PeriodRights, today: string): L[] {
  if (rights === 'OVERRIDE') return [];
  if (rights === 'NONE') return [...locks];
  return locks.filter((lock) => lock.graceUntil === null || lock.graceUntil < today);
}

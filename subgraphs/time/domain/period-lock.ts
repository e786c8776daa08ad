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
 * What closing [periodStart, periodEnd] of a legal entity does, given its locks that start on or before periodEnd
 * (the ones that overlap the period or precede it). Closed periods of one legal entity never overlap, so a date is
 * locked by at most one lock:
 * 1/ the same period, already CLOSED → INVALID_TRANSITION;
 * 2/ another CLOSED lock sharing a day → CONFLICT;
 * 3/ a reopened (OPEN) lock with days before periodStart that no closed lock covers → CONFLICT: periods close in
 *    order, so one reopened for a fix is closed again before any later period is (`lockedSpans` would otherwise have
 *    to leave it open behind a closed period, or lock it while it reads OPEN);
 * 4/ the same period, reopened earlier (OPEN) → close that lock again (its history stays one row);
 * 5/ otherwise a new lock. Reopened locks sharing days with the period, or after it, do not block: it covers them.
 */
export function planClose(locks: readonly LockedPeriod[], periodStart: string, periodEnd: string): ClosePlan {
  checkPeriod(periodStart, periodEnd);
  const period = { periodStart, periodEnd };
  const same = locks.find((lock) => lock.periodStart === periodStart && lock.periodEnd === periodEnd);
  if (same?.status === 'CLOSED') {
    throw new DomainError('INVALID_TRANSITION', `the period ${periodStart} to ${periodEnd} is already closed`, { periodLockId: same.id });
  }
  const clash = locks.find((lock) => lock !== same && lock.status === 'CLOSED' && periodsOverlap(lock, period));
  if (clash) {
    throw new DomainError(
      'CONFLICT',
      `the period overlaps the closed period ${clash.periodStart} to ${clash.periodEnd}`,
      { periodLockId: clash.id },
    );
  }
  const open = openDayBefore(locks, periodStart);
  if (open) {
    throw new DomainError(
      'CONFLICT',
      `the period ${open.lock.periodStart} to ${open.lock.periodEnd} was reopened and is open from ${open.day}: periods close in order, close it again first`,
      { periodLockId: open.lock.id, openFrom: open.day },
    );
  }
  return same ? { kind: 'reclose', id: same.id } : { kind: 'create' };
}

/** The first day before `before` that a reopened lock keeps open (no closed lock covers it), with that lock. */
function openDayBefore<L extends LockedPeriod>(locks: readonly L[], before: string): { lock: L; day: string } | null {
  const closed = locks.filter((lock) => lock.status === 'CLOSED');
  const reopened = locks.filter((lock) => lock.status === 'OPEN' && lock.periodStart < before).sort((a, b) => a.periodStart.localeCompare(b.periodStart));
  for (const lock of reopened) {
    const last = lock.periodEnd < before ? lock.periodEnd : addDays(before, -1);
    let day = lock.periodStart;
    while (day <= last) {
      const cover = closed.find((other) => other.periodStart <= day && day <= other.periodEnd);
      if (!cover) return { lock, day };
      day = addDays(cover.periodEnd, 1);
    }
  }
  return null;
}

/** Before any date psgraph holds: the start of the days a legal entity's first closed period locks with it. */
export const beginningOfTime = '0001-01-01';

/** Days [from, to] a closed lock keeps closed: its own period, or earlier days no period covers. */
export interface LockedSpan<L> {
  lock: L;
  from: string;
  to: string;
  /** The earlier days locked with `lock` rather than its own period. */
  earlier: boolean;
}

/**
 * The days a legal entity's locks keep closed (issue 15: closing a month must not leave earlier months open). A date
 * is locked, first match wins:
 * 1/ by the CLOSED lock whose period covers it;
 * 2/ not at all while a reopened (OPEN) lock covers it: finance reopened those days for a fix;
 * 3/ by the first CLOSED lock after it: closing a period locks all the legal entity's earlier time that no period
 *    covers (a month nobody closed, or everything before the first close), with that period's grace;
 * 4/ otherwise not at all.
 * `locks` are one legal entity's, of both statuses; those ending before the dates asked about may be left out.
 */
export function lockedSpans<L extends LockedPeriod>(locks: readonly L[]): LockedSpan<L>[] {
  const closed = locks.filter((lock) => lock.status === 'CLOSED').sort((a, b) => a.periodStart.localeCompare(b.periodStart));
  const reopened = locks.filter((lock) => lock.status === 'OPEN').sort((a, b) => a.periodStart.localeCompare(b.periodStart));
  const spans: LockedSpan<L>[] = [];
  let gapFrom = beginningOfTime;
  for (const lock of closed) {
    // The days between the previous closed lock and this one, minus the reopened ones, are locked with this one.
    let from = gapFrom;
    const gapTo = addDays(lock.periodStart, -1);
    for (const open of reopened) {
      if (open.periodEnd < from || open.periodStart > gapTo) continue;
      if (open.periodStart > from) spans.push({ lock, from, to: addDays(open.periodStart, -1), earlier: true });
      from = open.periodEnd >= from ? addDays(open.periodEnd, 1) : from;
    }
    if (from <= gapTo) spans.push({ lock, from, to: gapTo, earlier: true });
    spans.push({ lock, from: lock.periodStart, to: lock.periodEnd, earlier: false });
    gapFrom = addDays(lock.periodEnd, 1);
  }
  return spans;
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

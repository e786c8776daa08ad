import { badInput, DomainError } from '../../../lib/errors.ts';

export interface LeavePeriod {
  startDate: string;
  endDate: string;
}

/**
 * Leave is taken while employed: it starts on or after the hire date and ends by the termination date. A worker
 * cannot be on two approved leaves on the same day (CONFLICT), so capacity never subtracts twice.
 */
export function assertLeaveAllowed(
  leave: LeavePeriod,
  employment: { hireDate: string; terminationDate: string | null },
  approved: readonly LeavePeriod[],
): void {
  if (leave.endDate < leave.startDate) throw badInput('endDate', `must be on or after startDate (${leave.startDate})`);
  if (leave.startDate < employment.hireDate) throw badInput('startDate', `is before the hire date (${employment.hireDate})`);
  if (employment.terminationDate !== null && leave.endDate > employment.terminationDate) {
    throw badInput('endDate', `is after the termination date (${employment.terminationDate})`);
  }
  const clash = approved.find((other) => other.startDate <= leave.endDate && other.endDate >= leave.startDate);
  if (clash) {
    throw new DomainError('CONFLICT', `overlaps approved leave from ${clash.startDate} to ${clash.endDate}`, { field: 'startDate' });
  }
}

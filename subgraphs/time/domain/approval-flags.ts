import { addDecimals, compareDecimals } from '../../../lib/decimal.ts';
import type { ProjectFacts } from '../work-context.ts';
import { findBillRate } from './entry-rules.ts';
import { splitWorkerWeek, type CalendarOfDay } from './overtime.ts';

/**
 * What an approver should look at before approving a week (the approval queue's flags), each a pure check over the
 * week's live entries and current psa/crm/hcm facts:
 * - OVERTIME: the week's SUBMITTED and APPROVED hours go above the worker's calendar per day or per week, by the
 *   payroll rules (domain/overtime.ts): approving it pays overtime.
 * - TENTATIVE_ASSIGNMENT: a submitted entry was logged under an assignment that is TENTATIVE now (or no longer live).
 * - RATE_MISSING: a submitted billable entry has no bill rate now: approving it fails with RATE_NOT_FOUND.
 * - CORRECTION: a submitted entry corrects an approved one.
 */
export type ApprovalFlag = 'OVERTIME' | 'TENTATIVE_ASSIGNMENT' | 'RATE_MISSING' | 'CORRECTION';

export interface WeekEntry {
  id: string;
  status: 'DRAFT' | 'SUBMITTED' | 'APPROVED' | 'REJECTED';
  projectId: string;
  assignmentId: string | null;
  roleId: string | null;
  date: string;
  hours: string;
  billable: boolean;
  correctionOf: string | null;
}

/** The flags of one worker-week, in the enum's order. A worker hcm has no calendar for is not flagged OVERTIME. */
export function approvalFlags(
  entries: readonly WeekEntry[],
  facts: { calendar: CalendarOfDay | null; projects: ReadonlyMap<string, ProjectFacts | null> },
): ApprovalFlag[] {
  const flags = new Set<ApprovalFlag>();
  if (facts.calendar) {
    const perDay = new Map<string, string>();
    for (const entry of entries) {
      if (entry.status !== 'SUBMITTED' && entry.status !== 'APPROVED') continue;
      perDay.set(entry.date, addDecimals(perDay.get(entry.date) ?? '0', entry.hours, 2));
    }
    const days = [...perDay].map(([date, hours]) => ({ date, hours }));
    if (splitWorkerWeek(facts.calendar, days).some((day) => compareDecimals(day.overtime, '0') > 0)) flags.add('OVERTIME');
  }
  for (const entry of entries) {
    if (entry.status !== 'SUBMITTED') continue;
    const project = facts.projects.get(entry.projectId) ?? null;
    const assignment = project?.assignments.find((a) => a.id === entry.assignmentId) ?? null;
    if (!assignment || assignment.status === 'TENTATIVE') flags.add('TENTATIVE_ASSIGNMENT');
    if (entry.billable && (!project || findBillRate(project, assignment, entry.roleId ?? '', entry.date) === null)) flags.add('RATE_MISSING');
    if (entry.correctionOf) flags.add('CORRECTION');
  }
  const order: ApprovalFlag[] = ['OVERTIME', 'TENTATIVE_ASSIGNMENT', 'RATE_MISSING', 'CORRECTION'];
  return order.filter((flag) => flags.has(flag));
}

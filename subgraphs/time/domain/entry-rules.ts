import { addDecimals, compareDecimals } from '../../../lib/decimal.ts';
import { DomainError, type ErrorCode } from '../../../lib/errors.ts';
import type { BillRateRule } from '../events.ts';
import type { ProjectFacts, WorkerFacts } from '../work-context.ts';
import { checkClockSpan, checkHours, clockMinutes } from './hours.ts';
import { addDays } from './iso-week.ts';
import { graceRoles } from './period-lock.ts';

/**
 * The rules a time entry must pass when it is logged or changed (DESIGN §4.2), each a pure function over the entry
 * and the facts time was given (work-context.ts) plus its own data (the worker's other entries that day, closed
 * periods). `validateEntry` runs them in this order, and the first failure is the entry's error:
 *  1. INVALID_HOURS — 0 < hours ≤ 24 with at most 2 decimals; startTime/endTime both or neither, start < end, and
 *     the hours fit between them (input shape first: nothing else is worth checking on a malformed entry).
 *  2. FUTURE_DATE — date after today + maxDaysAhead (today: the injected clock's UTC date). A draft may be logged
 *     ahead within the window; what is submitted or approved takes a window of 0 (approval.ts, a correction): time is
 *     billed once it is worked, never before.
 *  3. NOT_FOUND — the project or the worker does not exist.
 *  4. PROJECT_NOT_ACTIVE — the project is not ACTIVE.
 *  5. WORKER_NOT_ACTIVE — the worker is INACTIVE, or the date is before the hire date or after the termination date.
 *  6. NOT_ASSIGNED — no CONFIRMED assignment of the worker on the project whose window covers the date (TENTATIVE and
 *     CANCELLED ones do not count).
 *  7. TASK_INVALID — the task is not the project's, is CLOSED, or the entry is billable on a non-billable task.
 *     billable defaults to the task's flag.
 *  8. ROLE_NOT_ALLOWED — the role differs from every covering assignment's role. The role defaults to the covering
 *     assignment's role.
 *  9. PERIOD_LOCKED — the date is closed for the project's legal entity (the worker's when the project has none): a
 *     CLOSED period covers it, or one after it locked it (domain/period-lock.ts `lockedSpans`).
 * 10. RATE_NOT_FOUND — a billable entry needs a bill rate; DESIGN §2 precedence, first match wins: the covering
 *     assignment's billRateOverride → the contract rate card's rate for the entry's role effective on the date →
 *     this error. (The rate is only checked here; it is frozen at approval.)
 * 11. OVERLAP — startTime/endTime overlap another timed entry of the worker that day (stored, or earlier in the batch).
 * 12. DAILY_LIMIT_EXCEEDED — the worker's stored entries that day + the batch's accepted ones + this one > 24 h.
 * Messages name the entry (`label`: "entry 3" in a batch, else its date and project) and the rule, and name records
 * the way people do (`projectName`, `workerName`, `taskName`: the project's code, the worker's and the task's names);
 * the ids they stand for are in the error's extensions (`projectId`, `workerId`, `taskId`), for machines.
 */

export type EntryRuleCode = Extract<
  ErrorCode,
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'PROJECT_NOT_ACTIVE'
  | 'WORKER_NOT_ACTIVE'
  | 'NOT_ASSIGNED'
  | 'TASK_INVALID'
  | 'ROLE_NOT_ALLOWED'
  | 'INVALID_HOURS'
  | 'DAILY_LIMIT_EXCEEDED'
  | 'OVERLAP'
  | 'FUTURE_DATE'
  | 'PERIOD_LOCKED'
  | 'RATE_NOT_FOUND'
>;

export const entryRuleCodes: readonly EntryRuleCode[] = [
  'INVALID_HOURS',
  'FUTURE_DATE',
  'NOT_FOUND',
  'PROJECT_NOT_ACTIVE',
  'WORKER_NOT_ACTIVE',
  'NOT_ASSIGNED',
  'TASK_INVALID',
  'ROLE_NOT_ALLOWED',
  'PERIOD_LOCKED',
  'RATE_NOT_FOUND',
  'OVERLAP',
  'DAILY_LIMIT_EXCEEDED',
];

/** An entry as asked for: billable and role may be left to their defaults. */
export interface EntryDraft {
  workerId: string;
  projectId: string;
  taskId: string;
  date: string;
  hours: string;
  startTime: string | null;
  endTime: string | null;
  billable: boolean | null;
  roleId: string | null;
}

/** An entry that passed every rule, defaults filled in. */
export interface ValidEntry extends EntryDraft {
  billable: boolean;
  roleId: string;
  assignmentId: string;
}

/** Another entry of the same worker on the same day (stored, or accepted earlier in the same batch). */
export interface SameDayEntry {
  hours: string;
  startTime: string | null;
  endTime: string | null;
}

/** Closed days that bind the caller (see domain/period-lock.ts `lockedSpans` and `bindingLocks`). */
export interface ClosedPeriod {
  legalEntityId: string;
  periodStart: string;
  periodEnd: string;
  /** Last day on which roles with grace rights may still change it; null: no grace. */
  graceUntil: string | null;
  /** Set when these are earlier days no period covers: the closed period that locked them with it. */
  lockedWith?: { periodStart: string; periodEnd: string } | null;
}

export interface EntryFacts {
  today: string;
  maxDaysAhead: number;
  project: ProjectFacts | null | undefined;
  worker: WorkerFacts | null | undefined;
  closedPeriods: readonly ClosedPeriod[];
  sameDay: readonly SameDayEntry[];
}

type Assignment = ProjectFacts['assignments'][number];

/** A capture rule's failure, "<label>: <CODE> — <why>". Expense rules (expense-rules.ts) throw it with their own codes too. */
export class EntryRuleError extends DomainError {
  constructor(code: ErrorCode, label: string, message: string, ids: Readonly<Record<string, string>> = {}) {
    super(code, `${label}: ${code} — ${message}`, { rule: code, ...ids });
  }
}

const fail = (code: EntryRuleCode, label: string, message: string, ids: Readonly<Record<string, string>> = {}) =>
  new EntryRuleError(code, label, message, ids);

/** A project as people name it: its code (its id while time does not know the project). */
export const projectName = (projectId: string, project: Pick<ProjectFacts, 'code'> | null | undefined) => project?.code ?? projectId;

/** A worker as people name them: by name. */
const workerName = (worker: Pick<WorkerFacts, 'name'>) => worker.name;

/** A task as people name it: "Design" (time knows only the tasks of the entry's project). */
const taskName = (task: Pick<ProjectFacts['tasks'][number], 'name'>) => `"${task.name}"`;

export function checkEntryHours(label: string, entry: Pick<EntryDraft, 'hours' | 'startTime' | 'endTime'>): void {
  try {
    checkHours('hours', entry.hours);
    checkClockSpan(entry.startTime, entry.endTime, entry.hours);
  } catch (error) {
    throw fail('INVALID_HOURS', label, (error as Error).message);
  }
}

export function checkNotFuture(label: string, date: string, today: string, maxDaysAhead: number): void {
  const latest = addDays(today, maxDaysAhead);
  if (date <= latest) return;
  throw fail('FUTURE_DATE', label, maxDaysAhead === 0 ? `${date} is after today (${today}, UTC)` : `${date} is after ${latest} (today + ${maxDaysAhead} days)`);
}

export function checkProjectActive(label: string, projectId: string, project: ProjectFacts | null | undefined): ProjectFacts {
  if (!project) throw fail('NOT_FOUND', label, `project ${projectId} does not exist`, { projectId });
  if (project.status !== 'ACTIVE') throw fail('PROJECT_NOT_ACTIVE', label, `project ${project.code} is ${project.status}, not ACTIVE`, { projectId });
  return project;
}

export function checkWorkerActive(label: string, workerId: string, worker: WorkerFacts | null | undefined, date: string): WorkerFacts {
  if (!worker) throw fail('NOT_FOUND', label, `worker ${workerId} does not exist`, { workerId });
  const who = workerName(worker);
  if (worker.status !== 'ACTIVE') throw fail('WORKER_NOT_ACTIVE', label, `${who} is ${worker.status}`, { workerId });
  if (date < worker.hireDate) throw fail('WORKER_NOT_ACTIVE', label, `${who} was hired on ${worker.hireDate}, after ${date}`, { workerId });
  if (worker.terminationDate !== null && date > worker.terminationDate) {
    throw fail('WORKER_NOT_ACTIVE', label, `${who} left on ${worker.terminationDate}, before ${date}`, { workerId });
  }
  return worker;
}

/** The worker's CONFIRMED assignments on the project whose window covers the date (at least one). */
export function coveringAssignments(label: string, project: ProjectFacts, worker: Pick<WorkerFacts, 'id' | 'name'>, date: string): Assignment[] {
  const covering = project.assignments.filter(
    (a) => a.workerId === worker.id && a.status === 'CONFIRMED' && a.startDate <= date && date <= a.endDate,
  );
  if (covering.length === 0) {
    const ids = { workerId: worker.id, projectId: project.id };
    throw fail('NOT_ASSIGNED', label, `${workerName(worker)} has no confirmed assignment on project ${project.code} covering ${date}`, ids);
  }
  return covering;
}

/** The entry's billable flag: as given, else the task's. */
export function checkTask(label: string, project: ProjectFacts, taskId: string, billable: boolean | null): boolean {
  const task = project.tasks.find((t) => t.id === taskId);
  const ids = { taskId, projectId: project.id };
  if (!task) throw fail('TASK_INVALID', label, `task ${taskId} is not a task of project ${project.code}`, ids);
  if (task.status === 'CLOSED') throw fail('TASK_INVALID', label, `task ${taskName(task)} of project ${project.code} is CLOSED`, ids);
  const resolved = billable ?? task.billable;
  if (resolved && !task.billable) throw fail('TASK_INVALID', label, `task ${taskName(task)} of project ${project.code} is not billable`, ids);
  return resolved;
}

/** The assignment the entry is logged under: the first covering one with the entry's role (default: the first's). */
export function checkRole(label: string, covering: readonly Assignment[], roleId: string | null): Assignment {
  if (roleId === null) return covering[0];
  const match = covering.find((a) => a.roleId === roleId);
  if (!match) throw fail('ROLE_NOT_ALLOWED', label, `role ${roleId} is not the assignment's role (${covering.map((a) => a.roleId).join(', ')})`);
  return match;
}

export function checkPeriodOpen(label: string, legalEntityId: string | null, date: string, closed: readonly ClosedPeriod[]): void {
  if (legalEntityId === null) return;
  const lock = closed.find((p) => p.legalEntityId === legalEntityId && p.periodStart <= date && date <= p.periodEnd);
  if (!lock) return;
  const grace = lock.graceUntil ? ` (its grace, for ${graceRoles.join(' and ')}, runs until ${lock.graceUntil}; ADMIN overrides)` : ' (ADMIN overrides)';
  const where = lock.lockedWith
    ? `lies before the closed period ${lock.lockedWith.periodStart} to ${lock.lockedWith.periodEnd}, which locked the earlier days no period covers`
    : `lies in the closed period ${lock.periodStart} to ${lock.periodEnd}`;
  throw fail('PERIOD_LOCKED', label, `${date} ${where}${grace}`);
}

/** DESIGN §2: assignment override → the rate card's rate for the role effective on the date → RATE_NOT_FOUND. */
export function resolveBillRate(
  label: string,
  project: ProjectFacts,
  assignment: Pick<Assignment, 'id' | 'billRateOverride'> | null,
  roleId: string,
  date: string,
): ChosenBillRate {
  const rate = findBillRate(project, assignment, roleId, date);
  if (rate === null) throw fail('RATE_NOT_FOUND', label, `no bill rate for role ${roleId} on ${date} (no assignment override, none on the rate card)`);
  return rate;
}

/** A bill rate and the rule of DESIGN §2 that chose it, as erp keeps it to explain the amount (`BillingEvent.explanation`). */
export interface ChosenBillRate {
  amount: string;
  rule: BillRateRule;
}

/** The bill rate DESIGN §2 resolves, with the rule that chose it, or null when there is none. */
export function findBillRate(
  project: ProjectFacts,
  assignment: Pick<Assignment, 'id' | 'billRateOverride'> | null,
  roleId: string,
  date: string,
): ChosenBillRate | null {
  if (assignment && assignment.billRateOverride !== null) {
    return { amount: assignment.billRateOverride, rule: { kind: 'ASSIGNMENT_OVERRIDE', assignmentId: assignment.id } };
  }
  const rate = project.rates.find((r) => r.roleId === roleId && r.effectiveFrom <= date && (r.effectiveTo === null || date <= r.effectiveTo));
  if (!rate || project.rateCardId === null) return null;
  return {
    amount: rate.billRate,
    rule: { kind: 'RATE_CARD', rateCardId: project.rateCardId, rateId: rate.id, roleId, effectiveFrom: rate.effectiveFrom, effectiveTo: rate.effectiveTo },
  };
}

export function checkNoOverlap(label: string, entry: Pick<EntryDraft, 'startTime' | 'endTime'>, sameDay: readonly SameDayEntry[]): void {
  if (entry.startTime === null || entry.endTime === null) return;
  const start = clockMinutes('startTime', entry.startTime);
  const end = clockMinutes('endTime', entry.endTime);
  const clash = sameDay.find(
    (other) =>
      other.startTime !== null &&
      other.endTime !== null &&
      clockMinutes('startTime', other.startTime) < end &&
      start < clockMinutes('endTime', other.endTime),
  );
  if (clash) throw fail('OVERLAP', label, `${entry.startTime}-${entry.endTime} overlaps another entry at ${clash.startTime}-${clash.endTime}`);
}

export function checkDailyLimit(label: string, hours: string, sameDay: readonly SameDayEntry[]): void {
  const total = sameDay.reduce((sum, other) => addDecimals(sum, other.hours, 2), hours);
  if (compareDecimals(total, '24') > 0) throw fail('DAILY_LIMIT_EXCEEDED', label, `the day would hold ${total} h, more than 24`);
}

/** Runs every rule in the documented order; throws the first failure as an EntryRuleError. */
export function validateEntry(label: string, draft: EntryDraft, facts: EntryFacts): ValidEntry {
  checkEntryHours(label, draft);
  checkNotFuture(label, draft.date, facts.today, facts.maxDaysAhead);
  const project = checkProjectActive(label, draft.projectId, facts.project);
  const worker = checkWorkerActive(label, draft.workerId, facts.worker, draft.date);
  const covering = coveringAssignments(label, project, worker, draft.date);
  const billable = checkTask(label, project, draft.taskId, draft.billable);
  const assignment = checkRole(label, covering, draft.roleId);
  const roleId = draft.roleId ?? assignment.roleId;
  checkPeriodOpen(label, project.legalEntityId ?? worker.legalEntityId, draft.date, facts.closedPeriods);
  if (billable) resolveBillRate(label, project, assignment, roleId, draft.date);
  checkNoOverlap(label, draft, facts.sameDay);
  checkDailyLimit(label, draft.hours, facts.sameDay);
  return { ...draft, billable, roleId, assignmentId: assignment.id };
}

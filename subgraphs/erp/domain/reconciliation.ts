/**
 * Reconciliation rules (DESIGN §4.6): pure, on plain data. A check produces findings; the run compares them with the
 * exceptions still open and decides what is new, what stands and what cleared.
 */

export const reconciliationTypes = [
  'APPROVED_WITHOUT_COST_POSTING',
  'BILLING_EVENT_NOT_INVOICED',
  'INVOICE_TOTAL_MISMATCH',
  'ACTIVE_PROJECT_WITHOUT_BILLING_SETUP',
  'ASSIGNMENT_ON_INACTIVE_WORKER',
  'MISSING_COST_RATE',
] as const;
export type ReconciliationType = (typeof reconciliationTypes)[number];

/** A record an exception involves, resolvable through the graph by its type and id. */
export interface SubjectRef {
  readonly typename: string;
  readonly id: string;
}

export interface Finding {
  readonly type: ReconciliationType;
  /** The records involved; the first one is what the exception is about. */
  readonly subjects: readonly SubjectRef[];
  readonly detail: string;
}

/** Two findings are the same exception when their type and records are (the key of the open-exception index). */
export const findingKey = (finding: Pick<Finding, 'subjects'>) => finding.subjects.map((s) => `${s.typename}:${s.id}`).join('|');

export interface OpenException {
  readonly id: string;
  readonly type: string;
  readonly key: string;
}

/**
 * What a run changes: findings with no open exception of the same type and key are new (duplicates within the run
 * count once); open exceptions no finding matches are cleared; the rest stand (not duplicated, `foundAt` kept).
 */
export function diffFindings(open: readonly OpenException[], findings: readonly Finding[]) {
  const openKeys = new Set(open.map((e) => `${e.type}\u0000${e.key}`));
  const seen = new Set<string>();
  const added: Array<Finding & { key: string }> = [];
  for (const finding of findings) {
    const key = findingKey(finding);
    const both = `${finding.type}\u0000${key}`;
    if (seen.has(both)) continue;
    seen.add(both);
    if (!openKeys.has(both)) added.push({ ...finding, key });
  }
  const cleared = open.filter((e) => !seen.has(`${e.type}\u0000${e.key}`));
  return { added, cleared, standing: open.length - cleared.length };
}

/** An approved record whose approval time can publish again (time's republishApprovals). */
export interface RedriveSource {
  readonly kind: 'TIME_ENTRY' | 'EXPENSE';
  readonly id: string;
}

/**
 * What repairs each type of exception when re-driving cannot. APPROVED_WITHOUT_COST_POSTING is a lost event (an
 * approval erp never handled); MISSING_COST_RATE an approval erp handled without a cost rate, whose cost follows once
 * hcm has the worker's rate (`addWorkerCostRate`) and the approval is handled again. Both are re-driven, by
 * publishing the approval again.
 */
export const redriveAdvice: Readonly<Record<ReconciliationType, string | null>> = {
  APPROVED_WITHOUT_COST_POSTING: null,
  MISSING_COST_RATE: null,
  BILLING_EVENT_NOT_INVOICED: 'draft and issue its invoice',
  INVOICE_TOTAL_MISMATCH: 'correct the invoice (a credit note once it is issued)',
  ACTIVE_PROJECT_WITHOUT_BILLING_SETUP: "prepare the contract's billing setup",
  ASSIGNMENT_ON_INACTIVE_WORKER: 'end or cancel the assignment in psa',
};

/** The record a re-drivable exception is about (its first subject): a time entry or an expense; null for any other. */
export function redriveSourceOf(type: string, subjects: readonly SubjectRef[]): RedriveSource | null {
  if (type !== 'APPROVED_WITHOUT_COST_POSTING' && type !== 'MISSING_COST_RATE') return null;
  const first = subjects[0];
  if (first?.typename === 'TimeEntry') return { kind: 'TIME_ENTRY', id: first.id };
  if (first?.typename === 'ExpenseEntry') return { kind: 'EXPENSE', id: first.id };
  return null;
}

/** The instant before which an approval must have happened to be expected posted: `now` − the grace time. */
export const approvalCutoff = (now: Date, graceMinutes: number) => new Date(now.getTime() - graceMinutes * 60_000);

/**
 * The last day of the latest calendar month (a billing period: what invoicing and the period close bill by) that is
 * closed: its end plus the grace time has passed. A billing event dated on or before it should be invoiced by now.
 */
export function closedThrough(now: Date, graceMinutes: number): string {
  const cutoff = approvalCutoff(now, graceMinutes);
  // The month containing the cutoff is still open; the one before it ended at this month's first instant.
  const lastDay = new Date(Date.UTC(cutoff.getUTCFullYear(), cutoff.getUTCMonth(), 0));
  return lastDay.toISOString().slice(0, 10);
}

export interface AssignmentFacts {
  readonly id: string;
  readonly endDate: string;
  readonly status: string;
  readonly worker: { readonly id: string; readonly status: string; readonly terminationDate: string | null } | null;
}

/**
 * An assignment on an inactive worker: not CANCELLED, its worker INACTIVE (hcm: terminated), and its window running
 * past the termination date (or, without one, past `today`): planned work nobody can do.
 */
export function assignmentOnInactiveWorker(assignment: AssignmentFacts, today: string): Finding | null {
  const worker = assignment.worker;
  if (!worker || worker.status !== 'INACTIVE' || assignment.status === 'CANCELLED') return null;
  const until = worker.terminationDate ?? today;
  if (assignment.endDate <= until) return null;
  return {
    type: 'ASSIGNMENT_ON_INACTIVE_WORKER',
    subjects: [{ typename: 'Assignment', id: assignment.id }, { typename: 'Worker', id: worker.id }],
    detail: `assignment ${assignment.id} runs until ${assignment.endDate}, but worker ${worker.id} is inactive${worker.terminationDate ? ` since ${worker.terminationDate}` : ''}`,
  };
}

import { checkCurrency, checkDecimal, minorUnits, roundDecimal } from '../../../lib/decimal.ts';
import { DomainError, type ErrorCode } from '../../../lib/errors.ts';
import type { ProjectFacts, WorkerFacts } from '../work-context.ts';
import {
  EntryRuleError,
  checkNotFuture,
  checkPeriodOpen,
  checkProjectActive,
  checkWorkerActive,
  coveringAssignments,
  type ClosedPeriod,
} from './entry-rules.ts';

/**
 * The rules an expense must pass when it is logged or changed. Where a rule is the time entry's, it is the same
 * function from entry-rules.ts (same code, same message shape). `validateExpense` runs them in this order, and the
 * first failure is the expense's error:
 *  1. BAD_USER_INPUT — the currency is not an ISO-4217 code, or the amount is not a decimal, not > 0, above
 *     MAX_EXPENSE_AMOUNT, or has more fraction digits than the currency's minor unit (JPY 0, EUR 2, KWD 3).
 *  2. FUTURE_DATE — dated after today (the injected clock's): an expense is money already spent.
 *  3. NOT_FOUND — the project or the worker does not exist.
 *  4. PROJECT_NOT_ACTIVE — the project is not ACTIVE.
 *  5. WORKER_NOT_ACTIVE — the worker is INACTIVE, or the date is before the hire date or after the termination date.
 *  6. NOT_ASSIGNED — no CONFIRMED assignment of the worker on the project whose window covers the date.
 *  7. NOT_BILLABLE — billable, but the project has no contract to bill it to. billable defaults to whether the
 *     project has a contract (as a time entry's defaults to its task's flag: the project's setup decides).
 *  8. PERIOD_LOCKED — a CLOSED period lock of the project's legal entity (the worker's when it has none) covers the date.
 * Messages name the expense (`label`: its date and project, or its id) and the rule: "<label>: <CODE> — <why>".
 */
export type ExpenseRuleCode = Extract<
  ErrorCode,
  'BAD_USER_INPUT' | 'FUTURE_DATE' | 'NOT_FOUND' | 'PROJECT_NOT_ACTIVE' | 'WORKER_NOT_ACTIVE' | 'NOT_ASSIGNED' | 'NOT_BILLABLE' | 'PERIOD_LOCKED'
>;

export const expenseRuleCodes: readonly ExpenseRuleCode[] = [
  'BAD_USER_INPUT',
  'FUTURE_DATE',
  'NOT_FOUND',
  'PROJECT_NOT_ACTIVE',
  'WORKER_NOT_ACTIVE',
  'NOT_ASSIGNED',
  'NOT_BILLABLE',
  'PERIOD_LOCKED',
];

/** The largest amount: 14 integer digits, as every other money column of the graph holds (numeric(16, 2)). */
export const MAX_EXPENSE_AMOUNT = '99999999999999';

/** An expense as asked for: billable may be left to its default. */
export interface ExpenseDraft {
  workerId: string;
  projectId: string;
  date: string;
  amount: string;
  currency: string;
  billable: boolean | null;
}

/** An expense that passed every rule: the amount printed with the currency's minor-unit digits, billable decided. */
export interface ValidExpense extends ExpenseDraft {
  billable: boolean;
}

export interface ExpenseFacts {
  today: string;
  project: ProjectFacts | null | undefined;
  worker: WorkerFacts | null | undefined;
  closedPeriods: readonly ClosedPeriod[];
}

/**
 * The amount as stored: exactly the currency's minor-unit digits ("12.5" EUR → "12.50"; padding only, never rounding:
 * more digits than the minor unit is refused, not rounded away).
 */
export function checkExpenseAmount(label: string, amount: string, currency: string): string {
  try {
    checkCurrency('amount.currency', currency);
    const digits = minorUnits(currency);
    checkDecimal('amount.amount', amount, { scale: digits, min: 'positive', max: MAX_EXPENSE_AMOUNT });
    return roundDecimal(amount, digits);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const field = error.details.field as string;
    const failure = new EntryRuleError('BAD_USER_INPUT', label, `${error.message} (${amount} ${currency}; ${currency} has ${minorUnits(currency)} decimal places)`);
    failure.details.field = field;
    throw failure;
  }
}

/** The expense's billable flag: as given, else whether the project has a contract; NOT_BILLABLE without one. */
export function checkBillable(label: string, project: ProjectFacts, billable: boolean | null): boolean {
  const resolved = billable ?? project.contractId !== null;
  if (resolved && project.contractId === null) {
    throw new EntryRuleError('NOT_BILLABLE', label, `project ${project.code} has no contract to bill the expense to`);
  }
  return resolved;
}

/** Runs every rule in the documented order; throws the first failure as an EntryRuleError. */
export function validateExpense(label: string, draft: ExpenseDraft, facts: ExpenseFacts): ValidExpense {
  const amount = checkExpenseAmount(label, draft.amount, draft.currency);
  checkNotFuture(label, draft.date, facts.today, 0);
  const project = checkProjectActive(label, draft.projectId, facts.project);
  const worker = checkWorkerActive(label, draft.workerId, facts.worker, draft.date);
  coveringAssignments(label, project, worker, draft.date);
  const billable = checkBillable(label, project, draft.billable);
  checkPeriodOpen(label, project.legalEntityId ?? worker.legalEntityId, draft.date, facts.closedPeriods);
  return { ...draft, amount, billable };
}

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { badInput } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { runIdempotent } from '../../lib/idempotency.ts';
import { checkDate, checkText, optionalText } from '../../lib/validate.ts';
import { assertMayCapture } from './access.ts';
import { assertChangeable, requireWorkContext, type CaptureOptions, type Changeable } from './capture.ts';
import { closedPeriodsFor, legalEntityOf } from './periods.ts';
import { checkPeriodOpen } from './domain/entry-rules.ts';
import { validateExpense, type ExpenseDraft } from './domain/expense-rules.ts';
import * as repo from './repository.ts';
import type { ExpenseCategory, ExpenseEntryRow, TimeDatabase } from './tables.ts';
import type { WorkContext } from './work-context.ts';

export interface MoneyInput {
  amount: string;
  currency: string;
}

export interface LogExpenseInput {
  workerId?: string | null;
  projectId: string;
  date: string;
  amount: MoneyInput;
  category: ExpenseCategory;
  billable?: boolean | null;
  receiptRef?: string | null;
  notes?: string | null;
  externalId?: { system: string; id: string } | null;
}

/** Absent fields keep their value; null clears the optional ones (billable back to its default), required ones refuse it. */
export interface UpdateExpenseInput {
  projectId?: string | null;
  date?: string | null;
  amount?: MoneyInput | null;
  category?: ExpenseCategory | null;
  billable?: boolean | null;
  receiptRef?: string | null;
  notes?: string | null;
}

const expenseKind: Changeable = { typename: 'ExpenseEntry', noun: 'expense', plural: 'expenses' };

const RECEIPT_REF_MAX = 500;
const NOTES_MAX = 4000;

/**
 * Expense capture: logging, changing and deleting DRAFT (or REJECTED) expenses, validated by domain/expense-rules.ts
 * — the same shape as time capture (capture.ts), whose helpers it shares: psa/hcm facts loaded BEFORE the
 * transaction, closed periods read under the shared period lock, the same access rule and version checks. Submitting
 * and deciding expenses is the approval flow's (approval.ts), not this.
 */
export function createExpenseCaptureService(deps: { db: Kysely<TimeDatabase>; clock: Clock }, options: CaptureOptions = {}) {
  const { db, clock } = deps;
  const source = () => requireWorkContext(options);

  /** Never inside a transaction: the source goes through the gateway (see capture.ts `loadContext`). */
  const loadContext = (drafts: ReadonlyArray<{ projectId: string; workerId: string }>) =>
    source().load({ projectIds: [...new Set(drafts.map((d) => d.projectId))], workerIds: [...new Set(drafts.map((d) => d.workerId))] });

  const factsFor = (context: WorkContext, draft: ExpenseDraft, closedPeriods: Awaited<ReturnType<typeof closedPeriodsFor>>) => ({
    today: isoDate(clock.now()),
    project: context.projects.get(draft.projectId),
    worker: context.workers.get(draft.workerId),
    closedPeriods,
  });

  /** Read and checked before loading the facts, locked and checked again inside (as capture.ts does for entries). */
  async function readChangeable(scope: RequestScope, id: string, expectedVersion: number): Promise<ExpenseEntryRow> {
    const [row] = await repo.expensesByIds(db, [id]);
    return assertChangeable(scope.identity, expenseKind, id, row, expectedVersion);
  }

  return {
    async logExpense(scope: RequestScope, input: LogExpenseInput, idempotencyKey?: string | null): Promise<string> {
      source();
      const workerId = input.workerId ?? scope.identity.workerId;
      if (!workerId) throw badInput('workerId', 'the caller is not a worker: name the worker');
      assertMayCapture(scope.identity, workerId);
      const date = checkDate('date', input.date);
      const projectId = checkText('projectId', input.projectId, 100);
      const receiptRef = optionalText('receiptRef', input.receiptRef, RECEIPT_REF_MAX);
      const notes = optionalText('notes', input.notes, NOTES_MAX);
      const externalId = input.externalId
        ? { system: checkText('externalId.system', input.externalId.system, 100), id: checkText('externalId.id', input.externalId.id, 200) }
        : null;
      const draft: ExpenseDraft = {
        workerId,
        projectId,
        date,
        amount: input.amount.amount,
        currency: input.amount.currency,
        billable: input.billable ?? null,
      };
      const context = await loadContext([draft]);
      const request = { identity: scope.identity.workerId, input };
      return runIdempotent(db, { operation: 'logExpense', key: idempotencyKey, request }, async (trx) => {
        // A re-import returns the expense the first import made, unchanged and not re-validated (as time entries do).
        const imported = externalId ? await repo.expenseByExternalRef(trx, externalId) : undefined;
        if (imported) {
          assertMayCapture(scope.identity, imported.worker_id);
          return imported.id;
        }
        const closedPeriods = await closedPeriodsFor(trx, context, [date], { identity: scope.identity, today: isoDate(clock.now()) });
        const expense = validateExpense(`expense on ${date} for project ${projectId}`, draft, factsFor(context, draft, closedPeriods));
        const id = randomUUID();
        const now = clock.now();
        const written = await repo.insertExpense(trx, {
          id,
          worker_id: expense.workerId,
          project_id: expense.projectId,
          date: expense.date,
          amount: expense.amount,
          currency: expense.currency,
          category: input.category,
          billable: expense.billable,
          receipt_ref: receiptRef,
          notes,
          status: 'DRAFT',
          external_system: externalId?.system ?? null,
          external_id: externalId?.id ?? null,
          submitted_at: null,
          decided_at: null,
          decided_by: null,
          rejection_reason: null,
          created_at: now,
          updated_at: now,
        });
        if (written) return id;
        // Only an external ref can conflict: a concurrent import of it committed between our look-up and insert.
        const winner = (await repo.expenseByExternalRef(trx, externalId!))!;
        assertMayCapture(scope.identity, winner.worker_id);
        return winner.id;
      });
    },

    async updateExpense(scope: RequestScope, id: string, expectedVersion: number, input: UpdateExpenseInput): Promise<string> {
      source();
      const row = await readChangeable(scope, id, expectedVersion);
      const given = <K extends keyof UpdateExpenseInput>(key: K) => input[key] !== undefined;
      const required = <K extends 'projectId' | 'date' | 'amount' | 'category'>(key: K): NonNullable<UpdateExpenseInput[K]> | undefined => {
        if (!given(key)) return undefined;
        if (input[key] === null) throw badInput(key, 'cannot be cleared');
        return input[key]!;
      };
      const projectId = given('projectId') ? checkText('projectId', required('projectId')!, 100) : row.project_id;
      const date = given('date') ? checkDate('date', required('date')!) : row.date;
      const amount = required('amount') ?? { amount: row.amount, currency: row.currency };
      const category = required('category') ?? row.category;
      const draft: ExpenseDraft = {
        workerId: row.worker_id,
        projectId,
        date,
        amount: amount.amount,
        currency: amount.currency,
        // Another project brings its own default unless the caller names the flag.
        billable: given('billable') ? (input.billable ?? null) : projectId === row.project_id ? row.billable : null,
      };
      const receiptRef = given('receiptRef') ? optionalText('receiptRef', input.receiptRef, RECEIPT_REF_MAX) : row.receipt_ref;
      const notes = given('notes') ? optionalText('notes', input.notes, NOTES_MAX) : row.notes;
      const previous = { projectId: row.project_id, workerId: row.worker_id };
      const context = await loadContext([draft, previous]);
      return runIdempotent(db, { operation: 'updateExpense', key: null, request: null }, async (trx) => {
        assertChangeable(scope.identity, expenseKind, id, await repo.lockExpense(trx, id), expectedVersion);
        const label = `expense ${id} (${draft.date}, project ${draft.projectId})`;
        const closedPeriods = await closedPeriodsFor(trx, context, [draft.date, row.date], { identity: scope.identity, today: isoDate(clock.now()) });
        // Moving an expense out of a closed period is a change on that period too.
        checkPeriodOpen(label, legalEntityOf(context, previous), row.date, closedPeriods);
        const expense = validateExpense(label, draft, factsFor(context, draft, closedPeriods));
        await trx
          .updateTable('expense_entry')
          .set((eb) => ({
            project_id: expense.projectId,
            date: expense.date,
            amount: expense.amount,
            currency: expense.currency,
            category,
            billable: expense.billable,
            receipt_ref: receiptRef,
            notes,
            // Editing a rejected expense makes it a draft again; the rejection stays in its history.
            status: 'DRAFT',
            decided_at: null,
            decided_by: null,
            rejection_reason: null,
            version: eb('version', '+', 1),
            updated_at: clock.now(),
          }))
          .where('id', '=', id)
          .execute();
        return id;
      });
    },

    async deleteExpense(scope: RequestScope, id: string, expectedVersion: number): Promise<string> {
      source();
      const row = await readChangeable(scope, id, expectedVersion);
      const expense = { projectId: row.project_id, workerId: row.worker_id };
      const context = await loadContext([expense]);
      return runIdempotent(db, { operation: 'deleteExpense', key: null, request: null }, async (trx) => {
        assertChangeable(scope.identity, expenseKind, id, await repo.lockExpense(trx, id), expectedVersion);
        const closed = await closedPeriodsFor(trx, context, [row.date], { identity: scope.identity, today: isoDate(clock.now()) });
        checkPeriodOpen(`expense ${id} (${row.date}, project ${row.project_id})`, legalEntityOf(context, expense), row.date, closed);
        // A draft or rejected expense was never approved, so nothing downstream refers to it; its history goes with it.
        await trx.deleteFrom('approval_record').where('expense_entry_id', '=', id).execute();
        await trx.deleteFrom('expense_entry').where('id', '=', id).execute();
        return id;
      });
    },
  };
}

export type ExpenseCaptureService = ReturnType<typeof createExpenseCaptureService>;

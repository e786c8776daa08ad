import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { recordDeletion } from '../../lib/db/changes.ts';
import type { Identity } from '../../lib/auth/identity.ts';
import { DomainError, badInput } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { runIdempotent } from '../../lib/idempotency.ts';
import { checkDate, checkText, optionalText } from '../../lib/validate.ts';
import { assertMayCapture } from './access.ts';
import { MAX_BATCH, assertChangeable, backToDraft, lifecycleStart, requireWorkContext, type CaptureOptions, type Changeable, type EntryResult } from './capture.ts';
import { correctApproved, type CorrectionSubject } from './correction.ts';
import { closedPeriodsFor, legalEntityOf } from './periods.ts';
import { checkPeriodOpen, projectName } from './domain/entry-rules.ts';
import { validateExpense, type ExpenseDraft, type ValidExpense } from './domain/expense-rules.ts';
import { expenseSnapshotOf, timeTopics, type ExpenseSnapshot } from './events.ts';
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

/** An input checked for shape (not yet against psa/hcm): what the batch validates and writes. */
interface Normalized {
  index: number;
  /** The expense as messages name it, once its project's code is known (`projectName`). */
  label: (project: string) => string;
  draft: ExpenseDraft;
  category: ExpenseCategory;
  receiptRef: string | null;
  notes: string | null;
  externalId: { system: string; id: string } | null;
}

/** A new expense's row: a validated expense, what only an expense has, and how it starts its life. */
function newExpenseRow(
  id: string,
  expense: ValidExpense,
  details: Pick<Normalized, 'category' | 'receiptRef' | 'notes'>,
  start: Parameters<typeof lifecycleStart>[0],
): Insertable<TimeDatabase['expense_entry']> {
  return {
    id,
    worker_id: expense.workerId,
    project_id: expense.projectId,
    date: expense.date,
    amount: expense.amount,
    currency: expense.currency,
    category: details.category,
    billable: expense.billable,
    receipt_ref: details.receiptRef,
    notes: details.notes,
    ...lifecycleStart(start),
  };
}

function normalize(identity: Identity, input: LogExpenseInput, index: number, label: (date: string, project: string) => string): Normalized {
  const workerId = input.workerId ?? identity.workerId;
  if (!workerId) throw badInput('workerId', 'the caller is not a worker: name the worker');
  assertMayCapture(identity, workerId);
  const date = checkDate('date', input.date);
  const projectId = checkText('projectId', input.projectId, 100);
  return {
    index,
    label: (project) => label(date, project),
    draft: { workerId, projectId, date, amount: input.amount.amount, currency: input.amount.currency, billable: input.billable ?? null },
    category: input.category,
    receiptRef: optionalText('receiptRef', input.receiptRef, RECEIPT_REF_MAX),
    notes: optionalText('notes', input.notes, NOTES_MAX),
    externalId: input.externalId
      ? { system: checkText('externalId.system', input.externalId.system, 100), id: checkText('externalId.id', input.externalId.id, 200) }
      : null,
  };
}

/**
 * The expense `input` makes of a stored one: absent fields keep their value, null clears the optional ones (billable
 * back to its default) and is refused for the required ones; another project brings its own billable default unless
 * the caller names the flag. Used by an update (in place) and a correction (a new expense).
 */
function changedExpense(row: ExpenseEntryRow, input: UpdateExpenseInput) {
  const given = <K extends keyof UpdateExpenseInput>(key: K) => input[key] !== undefined;
  const required = <K extends 'projectId' | 'date' | 'amount' | 'category'>(key: K): NonNullable<UpdateExpenseInput[K]> | undefined => {
    if (!given(key)) return undefined;
    if (input[key] === null) throw badInput(key, 'cannot be cleared');
    return input[key]!;
  };
  const projectId = given('projectId') ? checkText('projectId', required('projectId')!, 100) : row.project_id;
  const amount = required('amount') ?? { amount: row.amount, currency: row.currency };
  const draft: ExpenseDraft = {
    workerId: row.worker_id,
    projectId,
    date: given('date') ? checkDate('date', required('date')!) : row.date,
    amount: amount.amount,
    currency: amount.currency,
    billable: given('billable') ? (input.billable ?? null) : projectId === row.project_id ? row.billable : null,
  };
  return {
    draft,
    category: required('category') ?? row.category,
    receiptRef: given('receiptRef') ? optionalText('receiptRef', input.receiptRef, RECEIPT_REF_MAX) : row.receipt_ref,
    notes: given('notes') ? optionalText('notes', input.notes, NOTES_MAX) : row.notes,
  };
}

type ChangedExpense = ReturnType<typeof changedExpense>;

/**
 * Expense capture: logging (one or a batch), changing and deleting DRAFT (or REJECTED) expenses, and correcting
 * APPROVED ones, validated by domain/expense-rules.ts — the same shape as time capture (capture.ts), whose helpers it
 * shares: psa/hcm facts loaded BEFORE the transaction, closed periods read under the shared period lock, the same
 * access rule and version checks, the same correction (correction.ts). Submitting and deciding expenses is the
 * approval flow's (approval.ts), not this.
 */
export function createExpenseCaptureService(deps: { db: Kysely<TimeDatabase>; clock: Clock; onCommit: () => void }, options: CaptureOptions = {}) {
  const { db, clock } = deps;
  const source = () => requireWorkContext(options);

  /** Never inside a transaction: the source goes through the gateway (see capture.ts `loadContext`). */
  const loadContext = (drafts: ReadonlyArray<{ projectId: string; workerId: string }>) =>
    source().load({ projectIds: [...new Set(drafts.map((d) => d.projectId))], workerIds: [...new Set(drafts.map((d) => d.workerId))] });

  const factsFor = (context: WorkContext, draft: ExpenseDraft, closedPeriods: Awaited<ReturnType<typeof closedPeriodsFor>>, today = isoDate(clock.now())) => ({
    today,
    project: context.projects.get(draft.projectId),
    worker: context.workers.get(draft.workerId),
    closedPeriods,
  });

  /** Read and checked before loading the facts, locked and checked again inside (as capture.ts does for entries). */
  async function readChangeable(scope: RequestScope, id: string, expectedVersion: number): Promise<ExpenseEntryRow> {
    const [row] = await repo.expensesByIds(db, [id]);
    return assertChangeable(scope.identity, expenseKind, id, row, expectedVersion);
  }

  /**
   * Logs a batch in one transaction, as capture.ts `log` does for time entries: inputs checked for shape first, the
   * psa/hcm facts of all of them loaded in one round trip before the transaction, then (inside) the external refs
   * locked and looked up, the closed periods read once, and every new expense written in one insert — a fixed number
   * of statements whatever the batch size. `throwFirst` (logExpense) turns the expense's failure into the request's
   * error so nothing, not even the idempotency key, is stored; a batch records failures per input and writes the
   * valid ones.
   */
  async function log(scope: RequestScope, operation: string, inputs: readonly LogExpenseInput[], idempotencyKey: string | null | undefined, throwFirst: boolean) {
    if (inputs.length > MAX_BATCH) throw badInput('inputs', `at most ${MAX_BATCH} expenses per call`);
    source();
    const results: EntryResult[] = inputs.map(() => ({ id: null, error: null }));
    const fail = (index: number, error: unknown, prefix: string) => {
      if (throwFirst || !(error instanceof DomainError)) throw error;
      results[index].error = { index, code: error.code, message: `${prefix}${error.message}` };
    };
    const normalized: Normalized[] = [];
    inputs.forEach((input, index) => {
      const label = throwFirst
        ? (date: string, project: string) => `expense on ${date} for project ${project}`
        : (date: string, project: string) => `expense ${index} (${date}, project ${project})`;
      try {
        normalized.push(normalize(scope.identity, input, index, label));
      } catch (error) {
        fail(index, error, `expense ${index}: `);
      }
    });
    const context = normalized.length > 0 ? await loadContext(normalized.map((n) => n.draft)) : null;
    return runIdempotent(db, { caller: scope.identity, operation, key: idempotencyKey, request: { identity: scope.identity.workerId, inputs } }, async (trx) => {
      const refKey = (n: Normalized) => (n.externalId ? `${n.externalId.system}|${n.externalId.id}` : null);
      /** External ref → the expense it imported (its worker: a re-import must be the caller's to capture). */
      const imported = new Map<string, { id: string; workerId: string }>();
      const refs = normalized.flatMap((n) => (n.externalId ? [n.externalId] : []));
      if (refs.length > 0) {
        await repo.lockExternalRefs(trx, refs);
        for (const row of await repo.expensesByExternalRefs(trx, refs)) imported.set(`${row.external_system}|${row.external_id}`, { id: row.id, workerId: row.worker_id });
      }
      const fresh = normalized.filter((n) => !imported.has(refKey(n) ?? ''));
      const now = clock.now();
      const today = isoDate(now);
      const closedPeriods = fresh.length > 0 ? await closedPeriodsFor(trx, context!, fresh.map((n) => n.draft.date), { identity: scope.identity, today }) : [];
      const rows: Array<Insertable<TimeDatabase['expense_entry']>> = [];
      for (const n of normalized) {
        const ref = refKey(n);
        try {
          // A re-import returns the expense the first import made (earlier in this batch, too), unchanged and not re-validated.
          const existing = ref ? imported.get(ref) : undefined;
          if (existing) {
            assertMayCapture(scope.identity, existing.workerId);
            results[n.index].id = existing.id;
            continue;
          }
          const label = n.label(projectName(n.draft.projectId, context!.projects.get(n.draft.projectId)));
          const expense = validateExpense(label, n.draft, factsFor(context!, n.draft, closedPeriods, today));
          const id = randomUUID();
          rows.push(newExpenseRow(id, expense, n, { status: 'DRAFT', externalId: n.externalId, correctionOf: null, now }));
          results[n.index].id = id;
          if (ref) imported.set(ref, { id, workerId: expense.workerId });
        } catch (error) {
          fail(n.index, error, '');
        }
      }
      if (rows.length > 0) await repo.insertExpenses(trx, rows);
      return results;
    });
  }

  const expenseCorrection: CorrectionSubject<ExpenseEntryRow, UpdateExpenseInput, ChangedExpense & { context: WorkContext }, ExpenseSnapshot> = {
    kind: expenseKind,
    table: 'expense_entry',
    historyColumn: 'expense_entry_id',
    operation: 'correctExpense',
    topics: { corrected: timeTopics.expenseCorrected, submitted: timeTopics.expenseSubmitted },
    snapshot: expenseSnapshotOf,
    read: async (handle, id) => (await repo.expensesByIds(handle, [id]))[0],
    lock: repo.lockExpense,

    async plan(row, input) {
      const changed = changedExpense(row, input);
      return { ...changed, context: await loadContext([changed.draft, { workerId: row.worker_id, projectId: row.project_id }]) };
    },

    async insertCorrection(trx, scope, original, { draft, category, receiptRef, notes, context }, correction) {
      const label = `correction of expense ${original.id} (${draft.date}, project ${projectName(draft.projectId, context.projects.get(draft.projectId))})`;
      const today = isoDate(correction.now);
      const closedPeriods = await closedPeriodsFor(trx, context, [draft.date, original.date], { identity: scope.identity, today });
      // Correcting an expense of a closed period is a change on that period too.
      checkPeriodOpen(label, legalEntityOf(context, { workerId: original.worker_id, projectId: original.project_id }), original.date, closedPeriods);
      const expense = validateExpense(label, draft, factsFor(context, draft, closedPeriods, today));
      return trx
        .insertInto('expense_entry')
        .values(newExpenseRow(correction.id, expense, { category, receiptRef, notes }, { status: 'SUBMITTED', externalId: null, correctionOf: original.id, now: correction.now }))
        .returningAll()
        .executeTakeFirstOrThrow();
    },
  };

  return {
    async logExpense(scope: RequestScope, input: LogExpenseInput, idempotencyKey?: string | null): Promise<string> {
      const [result] = await log(scope, 'logExpense', [input], idempotencyKey, true);
      return result.id!;
    },

    logExpenses: (scope: RequestScope, inputs: readonly LogExpenseInput[], idempotencyKey?: string | null) =>
      log(scope, 'logExpenses', inputs, idempotencyKey, false),

    /**
     * Corrects an APPROVED expense exactly as correctTimeEntry corrects an entry (correction.ts `correctApproved`): the
     * expense is reversed (`time.expense.corrected`) and a new linked expense with the changes, validated like a new
     * one, is SUBMITTED (`time.expense.submitted`). Its worker or a MANAGER/ADMIN corrects, with a reason.
     */
    correctExpense: (
      scope: RequestScope,
      id: string,
      expectedVersion: number,
      input: UpdateExpenseInput,
      reason: string,
      idempotencyKey?: string | null,
    ): Promise<string> => {
      source();
      return correctApproved(deps, expenseCorrection, scope, { id, expectedVersion, input, reason, idempotencyKey });
    },

    async updateExpense(scope: RequestScope, id: string, expectedVersion: number, input: UpdateExpenseInput): Promise<string> {
      source();
      const row = await readChangeable(scope, id, expectedVersion);
      const { draft, category, receiptRef, notes } = changedExpense(row, input);
      const previous = { projectId: row.project_id, workerId: row.worker_id };
      const context = await loadContext([draft, previous]);
      return runIdempotent(db, { caller: scope.identity, operation: 'updateExpense', key: null, request: null }, async (trx) => {
        assertChangeable(scope.identity, expenseKind, id, await repo.lockExpense(trx, id), expectedVersion);
        const label = `expense ${id} (${draft.date}, project ${projectName(draft.projectId, context.projects.get(draft.projectId))})`;
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
            ...backToDraft,
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
      return runIdempotent(db, { caller: scope.identity, operation: 'deleteExpense', key: null, request: null }, async (trx) => {
        assertChangeable(scope.identity, expenseKind, id, await repo.lockExpense(trx, id), expectedVersion);
        const closed = await closedPeriodsFor(trx, context, [row.date], { identity: scope.identity, today: isoDate(clock.now()) });
        checkPeriodOpen(`expense ${id} (${row.date}, project ${row.project_id})`, legalEntityOf(context, expense), row.date, closed);
        // A draft or rejected expense was never approved, so nothing downstream refers to it; its history goes with it.
        await trx.deleteFrom('approval_record').where('expense_entry_id', '=', id).execute();
        await trx.deleteFrom('expense_entry').where('id', '=', id).execute();
        await recordDeletion(trx, 'ExpenseEntry', [id], clock.now());
        return id;
      });
    },
  };
}

export type ExpenseCaptureService = ReturnType<typeof createExpenseCaptureService>;

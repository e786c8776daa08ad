import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { DomainError, badInput, forbidden, notFound } from '../../lib/errors.ts';
import { createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { runIdempotent } from '../../lib/idempotency.ts';
import { checkText } from '../../lib/validate.ts';
import { assertMayDecide } from './approvers.ts';
import { assertMayCapture } from './access.ts';
import type { CaptureOptions } from './capture.ts';
import { canTransition, isDecision, reasonFor, transition, type EntryAction } from './domain/entry-lifecycle.ts';
import { EntryRuleError, checkNotFuture, checkPeriodOpen, projectName, resolveBillRate, validateEntry, type ClosedPeriod, type SameDayEntry } from './domain/entry-rules.ts';
import { validateExpense } from './domain/expense-rules.ts';
import { parseIsoWeek } from './domain/iso-week.ts';
import {
  expenseSnapshotOf,
  snapshotOf,
  timeTopics,
  type BillRateRule,
  type ExpenseApprovalCancelled,
  type ExpenseApproved,
  type ExpenseRejected,
  type ExpenseSnapshot,
  type ExpenseSubmitted,
  type Money,
  type TimeEntryApprovalCancelled,
  type TimeEntryApproved,
  type TimeEntryRejected,
  type TimeEntrySnapshot,
  type TimeEntrySubmitted,
} from './events.ts';
import { weekKey } from './loaders.ts';
import { closedPeriodsFor, legalEntityOf } from './periods.ts';
import { timesheetChangedEvents } from './timesheet-events.ts';
import * as repo from './repository.ts';
import type { EntryStatus, ExpenseEntryRow, TimeDatabase, TimeEntryRow } from './tables.ts';
import type { EntryBillingStatus, WorkContext, WorkContextSource } from './work-context.ts';

/** Most entries (or expenses) one by-id call takes. */
const MAX_IDS = 1000;

type Handle = Kysely<TimeDatabase> | Transaction<TimeDatabase>;

type Week = { workerId: string; weekStart: string; weekEnd: string };

type Target = { kind: 'ids'; ids: string[] } | ({ kind: 'week' } & Week);

/** The columns every subject of the flow has (time_entry and expense_entry); a reversed (corrected) row takes no action. */
export type SubjectRow = Pick<
  TimeEntryRow,
  'id' | 'status' | 'version' | 'worker_id' | 'project_id' | 'date' | 'billable' | 'decided_at' | 'decided_by'
> & { reversed_at?: Date | null };

/** What the decision adds to the subject's snapshot, per event (the payloads of events.ts). */
interface Payloads<Snapshot> {
  submitted: Snapshot & { submittedAt: string };
  approved: Snapshot & { approvedBy: string | null; approvedAt: string };
  rejected: Snapshot & { rejectedBy: string | null; rejectedAt: string; reason: string; wasApproved: boolean };
  approvalCancelled: Snapshot & { cancelledBy: string | null; cancelledAt: string; reason: string };
}

/**
 * What the approval engine needs to know of one kind of thing it decides on (time entries, expenses): where its rows
 * are, how to name them, what must hold again on submit and on approval, how erp bills them and what is published.
 * Everything else — statuses, approvers, period locks, idempotency, history, outbox — is the engine's, the same for all.
 */
export interface ApprovalSubject<Row extends SubjectRow, Snapshot> {
  typename: 'TimeEntry' | 'ExpenseEntry';
  table: repo.ApprovalTable;
  /** Its column in approval_record. */
  historyColumn: 'time_entry_id' | 'expense_entry_id';
  /** One of them in messages ("time entry"), many ("entries"), and whose work a worker recalls ("time"). */
  noun: string;
  plural: string;
  work: string;
  /** The row as messages name it: its project by code when the context knows the project. */
  label(row: Row, context?: WorkContext): string;
  byIds(handle: Handle, ids: readonly string[], lock: boolean): Promise<Row[]>;
  /** A worker's rows of one ISO week, for the week-level calls (time entries only). */
  byWeek?(handle: Handle, week: Week, lock: boolean): Promise<Row[]>;
  /** erp's billing status of approved rows whose approval would be taken back (one round trip, before the transaction). */
  billingStatuses(source: WorkContextSource, ids: readonly string[]): Promise<Map<string, EntryBillingStatus>>;
  /** What to do instead once a row is invoiced (the ALREADY_INVOICED message). */
  invoicedAdvice: string;
  /** SUBMIT: capture's rules again, on current data, inside the transaction. */
  revalidate(trx: Transaction<TimeDatabase>, rows: readonly Row[], context: WorkContext, closedPeriods: ClosedPeriod[], today: string): Promise<void>;
  /** APPROVE: what must still hold of a row besides its status; returns what its approved event adds. */
  approve(row: Row, context: WorkContext): ApprovedDetails;
  topics: { submitted: string; approved: string; rejected: string; approvalCancelled: string };
  snapshot(row: Row): Snapshot;
  /** The events of the groups the changed rows belong to, besides theirs (a time entry's week: timesheet-events.ts). */
  groupEvents?: typeof timesheetChangedEvents;
}

/**
 * What an approved event adds to the snapshot: the correction link, and a time entry's frozen bill rate and whether it
 * was billed in the system it was imported from.
 */
export type ApprovedDetails = { correctionOf: string | null; billRate?: Money | null; billRateRule?: BillRateRule | null; invoicedExternally?: boolean };

/** Taking back an approval undoes erp's postings: refused once the entry is on an issued invoice. */
const undoesApproval = (action: EntryAction, status: EntryStatus) => status === 'APPROVED' && (action === 'REJECT' || action === 'CANCEL_APPROVAL');

const entryLabel = (row: TimeEntryRow, context?: WorkContext) =>
  `entry ${row.id} (${row.date}, project ${projectName(row.project_id, context?.projects.get(row.project_id))})`;

/**
 * Time entries: re-validated with capture's rules (the day without the entry itself) and no day ahead (what is
 * submitted must have been worked), priced on approval.
 */
function timeEntrySubject(): ApprovalSubject<TimeEntryRow, TimeEntrySnapshot> {
  return {
    typename: 'TimeEntry',
    table: 'time_entry',
    historyColumn: 'time_entry_id',
    noun: 'time entry',
    plural: 'entries',
    work: 'time',
    label: entryLabel,
    byIds: (handle, ids, lock) => (lock ? repo.lockTimeEntries(handle as Transaction<TimeDatabase>, ids) : repo.timeEntriesByIds(handle, ids)),
    byWeek: (handle, week, lock) => repo.weekEntries(handle, week.workerId, week.weekStart, week.weekEnd, lock),
    billingStatuses: (source, ids) => source.billingStatuses(ids),
    invoicedAdvice: 'correct it instead (erp credits the invoice)',

    async revalidate(trx, rows, context, closedPeriods, today) {
      await repo.lockWorkersForCapture(trx, [...new Set(rows.map((r) => r.worker_id))]);
      const pairs = [...new Map(rows.map((r) => [`${r.worker_id}|${r.date}`, { workerId: r.worker_id, date: r.date }])).values()];
      const sameDay = new Map<string, Array<SameDayEntry & { id: string }>>();
      for (const other of await repo.sameDayEntries(trx, pairs)) {
        const key = `${other.worker_id}|${other.date}`;
        sameDay.set(key, [...(sameDay.get(key) ?? []), { id: other.id, hours: other.hours, startTime: other.start_time, endTime: other.end_time }]);
      }
      for (const row of rows) {
        validateEntry(
          entryLabel(row, context),
          {
            workerId: row.worker_id,
            projectId: row.project_id,
            taskId: row.task_id ?? '',
            date: row.date,
            hours: row.hours,
            startTime: row.start_time,
            endTime: row.end_time,
            billable: row.billable,
            roleId: row.role_id,
          },
          {
            today,
            maxDaysAhead: 0,
            project: context.projects.get(row.project_id),
            worker: context.workers.get(row.worker_id),
            closedPeriods,
            sameDay: (sameDay.get(`${row.worker_id}|${row.date}`) ?? []).filter((other) => other.id !== row.id),
          },
        );
      }
    },

    /** A billable entry must still resolve a bill rate, with capture's precedence (DESIGN §2). */
    approve(row, context) {
      const details = { correctionOf: row.correction_of, billRate: null, billRateRule: null, invoicedExternally: row.invoiced_externally };
      if (!row.billable) return details;
      const project = context.projects.get(row.project_id);
      const label = entryLabel(row, context);
      if (!project) throw new EntryRuleError('RATE_NOT_FOUND', label, `project ${row.project_id} does not exist`, { projectId: row.project_id });
      const assignment = project.assignments.find((a) => a.id === row.assignment_id) ?? null;
      const rate = resolveBillRate(label, project, assignment, row.role_id ?? '', row.date);
      if (!project.currency) throw new EntryRuleError('RATE_NOT_FOUND', label, `project ${project.code} has no contract currency to bill in`, { projectId: project.id });
      // Frozen here (DESIGN §2): erp bills at the rate in force when the entry was approved, whatever changes later.
      return { ...details, billRate: { amount: rate.amount, currency: project.currency }, billRateRule: rate.rule };
    },

    topics: {
      submitted: timeTopics.entrySubmitted,
      approved: timeTopics.entryApproved,
      rejected: timeTopics.entryRejected,
      approvalCancelled: timeTopics.entryApprovalCancelled,
    },
    snapshot: snapshotOf,
    groupEvents: timesheetChangedEvents,
  };
}

const expenseLabel = (row: ExpenseEntryRow, context?: WorkContext) =>
  `expense ${row.id} (${row.date}, project ${projectName(row.project_id, context?.projects.get(row.project_id))})`;

/** Expenses: re-validated with expense capture's rules (domain/expense-rules.ts); nothing more to check on approval. */
const expenseSubject: ApprovalSubject<ExpenseEntryRow, ExpenseSnapshot> = {
  typename: 'ExpenseEntry',
  table: 'expense_entry',
  historyColumn: 'expense_entry_id',
  noun: 'expense',
  plural: 'expenses',
  work: 'expenses',
  label: expenseLabel,
  byIds: (handle, ids, lock) => (lock ? repo.lockExpenses(handle as Transaction<TimeDatabase>, ids) : repo.expensesByIds(handle, ids)),
  billingStatuses: (source, ids) => source.expenseBillingStatuses(ids),
  invoicedAdvice: 'its approval stands (erp must credit the invoice first)',

  async revalidate(_trx, rows, context, closedPeriods, today) {
    for (const row of rows) {
      validateExpense(
        expenseLabel(row, context),
        { workerId: row.worker_id, projectId: row.project_id, date: row.date, amount: row.amount, currency: row.currency, billable: row.billable },
        { today, project: context.projects.get(row.project_id), worker: context.workers.get(row.worker_id), closedPeriods },
      );
    }
  },

  approve: (row) => ({ correctionOf: row.correction_of }),

  topics: {
    submitted: timeTopics.expenseSubmitted,
    approved: timeTopics.expenseApproved,
    rejected: timeTopics.expenseRejected,
    approvalCancelled: timeTopics.expenseApprovalCancelled,
  },
  snapshot: expenseSnapshotOf,
};

/** The published payloads are exactly the engine's (compile-time check: events.ts is the contract consumers import). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const payloadsMatchEvents: [
  Same<Payloads<TimeEntrySnapshot>['submitted'], TimeEntrySubmitted>,
  Same<Payloads<TimeEntrySnapshot>['approved'] & { correctionOf: string | null; billRate: Money | null; billRateRule?: BillRateRule | null; invoicedExternally?: boolean }, TimeEntryApproved>,
  Same<Payloads<TimeEntrySnapshot>['rejected'], TimeEntryRejected>,
  Same<Payloads<TimeEntrySnapshot>['approvalCancelled'], TimeEntryApprovalCancelled>,
  Same<Payloads<ExpenseSnapshot>['submitted'], ExpenseSubmitted>,
  Same<Payloads<ExpenseSnapshot>['approved'] & { correctionOf: string | null }, ExpenseApproved>,
  Same<Payloads<ExpenseSnapshot>['rejected'], ExpenseRejected>,
  Same<Payloads<ExpenseSnapshot>['approvalCancelled'], ExpenseApprovalCancelled>,
] = [true, true, true, true, true, true, true, true];
void payloadsMatchEvents;

/** The kinds of thing the flow decides on, for the code that speaks of their approvals besides it (republish.ts). */
export const approvalSubjects = () => ({
  timeEntry: timeEntrySubject(),
  expense: expenseSubject,
});

/**
 * A row's approved event: its snapshot, who approved it and when, and what the approval added (the correction link, a
 * time entry's frozen bill rate). One builder for the approval itself and for a republication of it (republish.ts), so
 * erp cannot tell the two payloads apart.
 */
export function approvedEventOf<Row extends SubjectRow, Snapshot>(
  subject: ApprovalSubject<Row, Snapshot>,
  row: Row,
  approval: { by: string | null; at: Date; details: ApprovedDetails },
  cause: EventCause,
  now: Date,
): DomainEvent<unknown> {
  const data: Payloads<Snapshot>['approved'] = {
    ...subject.snapshot(row),
    approvedBy: approval.by,
    approvedAt: approval.at.toISOString(),
    ...approval.details,
  };
  return createEvent('time', subject.topics.approved, { typename: subject.typename, id: row.id }, data, cause, now);
}

interface EngineDeps {
  db: Kysely<TimeDatabase>;
  clock: Clock;
  onCommit: () => void;
  source: () => WorkContextSource;
}

/**
 * The approval flow (DESIGN §1, §4.3) for one subject: submit, approve, reject, recall and cancel an approval. Each
 * call loads what it needs of other subgraphs once, BEFORE its transaction (through the gateway; see capture.ts): the
 * projects and workers of the rows (re-validation, rates, managers, legal entities) and, when an approval is taken
 * back, erp's billing status. Then it locks the rows and checks everything again on the locked rows: status
 * (domain/entry-lifecycle.ts), who may act (approvers.ts), the period locks binding the caller (periods.ts), and the
 * subject's rules.
 */
function createApprovalEngine<Row extends SubjectRow, Snapshot>(deps: EngineDeps, subject: ApprovalSubject<Row, Snapshot>) {
  const { db, clock } = deps;
  const changedMeanwhile = (row: Row) => new DomainError('CONFLICT', `${subject.noun} ${row.id} changed while this request ran; retry`);

  function read(handle: Handle, target: Target, lock: boolean): Promise<Row[]> {
    if (target.kind === 'ids') return subject.byIds(handle, target.ids, lock);
    if (!subject.byWeek) throw new DomainError('INTERNAL_SERVER_ERROR', `${subject.plural} are not decided by week`);
    return subject.byWeek(handle, target, lock);
  }

  /** The rows the action applies to: every named one (each must allow it), or the week's that allow it (at least one). */
  function pick(rows: Row[], target: Target, action: EntryAction, reason: string | null): Row[] {
    const entry = (row: Row) => ({ id: row.id, status: row.status, reversedAt: row.reversed_at });
    if (target.kind === 'ids') {
      const byId = new Map(rows.map((row) => [row.id, row]));
      return target.ids.map((id) => {
        const row = byId.get(id);
        if (!row) throw notFound(subject.typename, id);
        transition(entry(row), action, reason, subject.noun);
        return row;
      });
    }
    const eligible = rows.filter((row) => canTransition(row.status, action));
    if (eligible.length === 0) {
      if (rows.length > 0) transition(entry(rows[0]), action, reason, subject.noun);
      throw new DomainError('INVALID_TRANSITION', `worker ${target.workerId} has no time entries in the week of ${target.weekStart} to ${action}`);
    }
    return eligible;
  }

  /**
   * Facts for whatever the target holds now: projects and workers, and erp's billing status of the approved rows an
   * undo would touch. Not checked here: a replayed request must reach its stored answer.
   */
  async function loadFacts(target: Target, action: EntryAction): Promise<{ context: WorkContext; billing: Map<string, EntryBillingStatus> } | null> {
    const rows = await read(db, target, false);
    if (rows.length === 0) return null;
    const undone = rows.filter((row) => undoesApproval(action, row.status)).map((row) => row.id);
    const [context, billing] = await Promise.all([
      deps.source().load({ projectIds: [...new Set(rows.map((r) => r.project_id))], workerIds: [...new Set(rows.map((r) => r.worker_id))] }),
      undone.length > 0 ? subject.billingStatuses(deps.source(), undone) : Promise.resolve(new Map<string, EntryBillingStatus>()),
    ]);
    return { context, billing };
  }

  /** Who may take the action on this row: its worker (or someone capturing for them) submits and recalls; approvers decide. */
  function authorize(scope: RequestScope, action: EntryAction, row: Row, context: WorkContext, delegators: ReadonlySet<string>): void {
    if (action === 'SUBMIT') return assertMayCapture(scope.identity, row.worker_id);
    if (action === 'RECALL') {
      if (row.worker_id !== scope.identity.workerId) throw forbidden(`you may only recall your own ${subject.work}`);
      return;
    }
    const worker = context.workers.get(row.worker_id);
    const managerId = worker?.managerId ?? null;
    assertMayDecide(scope.identity, { label: subject.label(row, context), workerId: row.worker_id, workerName: worker?.name ?? null, managerId }, delegators);
  }

  /** An approval is taken back only while the row is not on an issued invoice. */
  function checkNotInvoiced(row: Row, billing: Map<string, EntryBillingStatus>, context: WorkContext): void {
    const status = billing.get(row.id);
    if (status === undefined) throw changedMeanwhile(row);
    // Credited in part, the rest of it is still billed on the issued invoice.
    if (status === 'INVOICED' || status === 'PARTIALLY_CREDITED') {
      throw new DomainError('ALREADY_INVOICED', `${subject.label(row, context)} is on an issued invoice: ${subject.invoicedAdvice}`, { entryId: row.id });
    }
    // INVOICED_EXTERNALLY is not refused: psgraph holds no invoice of it, and a wrong import is undone by rejecting it.
  }

  /** The outbox event of one changed row, or none (a recall is the worker's own business: only its week tells). */
  function eventOf(
    scope: RequestScope,
    action: EntryAction,
    row: Row,
    decision: { actor: string | null; now: Date; reason: string | null; wasApproved: boolean; approved: ApprovedDetails | undefined },
  ) {
    const at = decision.now.toISOString();
    const { actor, reason } = decision;
    const cause = { correlationId: scope.correlationId };
    const event = <T>(type: string, data: T): DomainEvent<unknown> =>
      createEvent('time', type, { typename: subject.typename, id: row.id }, data, cause, decision.now);
    const snapshot = subject.snapshot(row);
    switch (action) {
      case 'SUBMIT':
        return event<Payloads<Snapshot>['submitted']>(subject.topics.submitted, { ...snapshot, submittedAt: at });
      case 'APPROVE':
        return approvedEventOf(subject, row, { by: actor, at: decision.now, details: decision.approved! }, cause, decision.now);
      case 'REJECT':
        return event<Payloads<Snapshot>['rejected']>(subject.topics.rejected, { ...snapshot, rejectedBy: actor, rejectedAt: at, reason: reason!, wasApproved: decision.wasApproved });
      case 'CANCEL_APPROVAL':
        return event<Payloads<Snapshot>['approvalCancelled']>(subject.topics.approvalCancelled, { ...snapshot, cancelledBy: actor, cancelledAt: at, reason: reason! });
      case 'RECALL':
        return null;
    }
  }

  async function act(scope: RequestScope, operation: string, action: EntryAction, target: Target, idempotencyKey: string | null | undefined, given: string | null) {
    const reason = reasonFor(action, given);
    const facts = await loadFacts(target, action);
    const actor = scope.identity.workerId;
    const request = { actor, action, target, reason };
    const ids = await runIdempotent(db, { caller: scope.identity, operation, key: idempotencyKey, request }, async (trx) => {
      const rows = pick(await read(trx, target, true), target, action, reason);
      const { context, billing } = facts ?? { context: { projects: new Map(), workers: new Map() }, billing: new Map() };
      const now = clock.now();
      const today = isoDate(now);
      const delegators = new Set(isDecision(action) && actor ? await repo.delegatorsOf(trx, actor, today) : []);
      for (const row of rows) {
        // A row added or moved between the read and the lock may be of a project or worker not loaded.
        if (!context.projects.has(row.project_id) || !context.workers.has(row.worker_id)) throw changedMeanwhile(row);
        authorize(scope, action, row, context, delegators);
      }
      // Nothing is submitted or approved before its date (a draft may be logged ahead): erp bills what is approved.
      if (action === 'SUBMIT' || action === 'APPROVE') for (const row of rows) checkNotFuture(subject.label(row, context), row.date, today, 0);
      const closedPeriods = await closedPeriodsFor(trx, context, rows.map((r) => r.date), { identity: scope.identity, today });
      if (action === 'SUBMIT') {
        await subject.revalidate(trx, rows, context, closedPeriods, today);
      } else {
        for (const row of rows) checkPeriodOpen(subject.label(row, context), legalEntityOf(context, { projectId: row.project_id, workerId: row.worker_id }), row.date, closedPeriods);
      }
      const approved = new Map(action === 'APPROVE' ? rows.map((row) => [row.id, subject.approve(row, context)]) : []);
      for (const row of rows) if (undoesApproval(action, row.status)) checkNotInvoiced(row, billing, context);
      const wasApproved = new Set(rows.filter((row) => row.status === 'APPROVED').map((row) => row.id));
      const step = transition({ id: rows[0].id, status: rows[0].status }, action, reason, subject.noun);
      const updated = (await repo.setLifecycle(trx, subject.table, rows.map((r) => r.id), {
        status: step.to,
        updated_at: now,
        ...(action === 'SUBMIT' ? { submitted_at: now, decided_at: null, decided_by: null, rejection_reason: null } : {}),
        ...(action === 'RECALL' ? { submitted_at: null } : {}),
        ...(action === 'APPROVE' || action === 'REJECT' ? { decided_at: now, decided_by: actor } : {}),
        ...(action === 'REJECT' ? { rejection_reason: step.reason } : {}),
        ...(action === 'CANCEL_APPROVAL' ? { decided_at: null, decided_by: null } : {}),
      })) as unknown as Row[];
      await repo.insertApprovalRecords(
        trx,
        updated.map((row) => ({
          id: randomUUID(),
          time_entry_id: null,
          expense_entry_id: null,
          [subject.historyColumn]: row.id,
          action: step.record,
          actor_id: actor,
          at: now,
          reason: step.reason,
        })),
      );
      const events = updated.flatMap((row) => eventOf(scope, action, row, { actor, now, reason: step.reason, wasApproved: wasApproved.has(row.id), approved: approved.get(row.id) }) ?? []);
      if (subject.groupEvents) events.push(...(await subject.groupEvents(trx, updated, { action: step.record, actor, cause: { correlationId: scope.correlationId }, now })));
      if (events.length > 0) await appendToOutbox(trx, events);
      return rows.map((r) => r.id);
    });
    deps.onCommit();
    return ids;
  }

  function idsTarget(ids: readonly string[]): Target {
    if (ids.length === 0) throw badInput('ids', `name at least one ${subject.noun}`);
    if (ids.length > MAX_IDS) throw badInput('ids', `at most ${MAX_IDS} ${subject.plural} per call`);
    return { kind: 'ids', ids: [...new Set(ids.map((id) => checkText('ids', id, 100)))] };
  }

  /** By id: one call of the flow on the named rows. */
  const onIds = (operation: string, action: EntryAction) => (scope: RequestScope, ids: readonly string[], idempotencyKey: string | null | undefined, reason: string | null = null) =>
    act(scope, operation, action, idsTarget(ids), idempotencyKey, reason);

  return { act, onIds };
}

/**
 * Submit, approve, reject, recall and cancel approvals of time entries (by id or by ISO week) and of expenses (by id):
 * one engine (`createApprovalEngine`), two subjects.
 */
export function createApprovalService(deps: { db: Kysely<TimeDatabase>; clock: Clock; onCommit: () => void }, options: CaptureOptions = {}) {

  function source(): WorkContextSource {
    if (!options.workContext) {
      throw new DomainError('INTERNAL_SERVER_ERROR', 'time approval is not configured: the time subgraph was built without a WorkContextSource');
    }
    return options.workContext;
  }

  const entries = createApprovalEngine({ ...deps, source }, timeEntrySubject());
  const expenses = createApprovalEngine({ ...deps, source }, expenseSubject);

  function weekTarget(workerId: string, isoWeek: string): Target {
    const { weekStart, weekEnd } = parseIsoWeek(isoWeek);
    return { kind: 'week', workerId: checkText('workerId', workerId, 100), weekStart, weekEnd };
  }

  const keyOf = (target: Target) => (target.kind === 'week' ? weekKey(target.workerId, target.weekStart) : '');

  const submitEntries = entries.onIds('submitTimeEntries', 'SUBMIT');
  const approveEntries = entries.onIds('approveTimeEntries', 'APPROVE');
  const rejectEntries = entries.onIds('rejectTimeEntries', 'REJECT');
  const cancelEntryApprovals = entries.onIds('cancelApprovals', 'CANCEL_APPROVAL');
  const submitExpenses = expenses.onIds('submitExpenses', 'SUBMIT');
  const approveExpenses = expenses.onIds('approveExpenses', 'APPROVE');
  const rejectExpenses = expenses.onIds('rejectExpenses', 'REJECT');
  const recallExpenses = expenses.onIds('recallExpenses', 'RECALL');
  const cancelExpenseApprovals = expenses.onIds('cancelExpenseApprovals', 'CANCEL_APPROVAL');

  return {
    /** Returns the timesheet's loader key. */
    async submitTimesheet(scope: RequestScope, workerId: string | null | undefined, isoWeek: string, idempotencyKey?: string | null): Promise<string> {
      const owner = workerId ?? scope.identity.workerId;
      if (!owner) throw badInput('workerId', 'the caller is not a worker: name the worker');
      assertMayCapture(scope.identity, owner);
      const target = weekTarget(owner, isoWeek);
      await entries.act(scope, 'submitTimesheet', 'SUBMIT', target, idempotencyKey, null);
      return keyOf(target);
    },

    submitTimeEntries: (scope: RequestScope, ids: readonly string[], idempotencyKey?: string | null) => submitEntries(scope, ids, idempotencyKey),

    approveTimeEntries: (scope: RequestScope, ids: readonly string[], idempotencyKey?: string | null) => approveEntries(scope, ids, idempotencyKey),

    async approveTimesheet(scope: RequestScope, workerId: string, isoWeek: string, idempotencyKey?: string | null): Promise<string> {
      const target = weekTarget(workerId, isoWeek);
      await entries.act(scope, 'approveTimesheet', 'APPROVE', target, idempotencyKey, null);
      return keyOf(target);
    },

    rejectTimeEntries: (scope: RequestScope, ids: readonly string[], reason: string, idempotencyKey?: string | null) =>
      rejectEntries(scope, ids, idempotencyKey, reason),

    cancelApprovals: (scope: RequestScope, ids: readonly string[], reason: string, idempotencyKey?: string | null) =>
      cancelEntryApprovals(scope, ids, idempotencyKey, reason),

    async recallTimesheet(scope: RequestScope, isoWeek: string, idempotencyKey?: string | null): Promise<string> {
      const owner = scope.identity.workerId;
      if (!owner) throw forbidden('only a worker recalls their own timesheet');
      const target = weekTarget(owner, isoWeek);
      await entries.act(scope, 'recallTimesheet', 'RECALL', target, idempotencyKey, null);
      return keyOf(target);
    },

    submitExpenses: (scope: RequestScope, ids: readonly string[], idempotencyKey?: string | null) => submitExpenses(scope, ids, idempotencyKey),

    approveExpenses: (scope: RequestScope, ids: readonly string[], idempotencyKey?: string | null) => approveExpenses(scope, ids, idempotencyKey),

    rejectExpenses: (scope: RequestScope, ids: readonly string[], reason: string, idempotencyKey?: string | null) =>
      rejectExpenses(scope, ids, idempotencyKey, reason),

    /** The worker's own SUBMITTED expenses back to DRAFT. */
    recallExpenses: (scope: RequestScope, ids: readonly string[], idempotencyKey?: string | null) => recallExpenses(scope, ids, idempotencyKey),

    cancelExpenseApprovals: (scope: RequestScope, ids: readonly string[], reason: string, idempotencyKey?: string | null) =>
      cancelExpenseApprovals(scope, ids, idempotencyKey, reason),
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;

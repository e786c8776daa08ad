import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { DomainError, badInput, forbidden, notFound } from '../../lib/errors.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { runIdempotent } from '../../lib/idempotency.ts';
import { checkText } from '../../lib/validate.ts';
import { assertMayDecide } from './approvers.ts';
import { assertMayCapture } from './access.ts';
import { DEFAULT_MAX_DAYS_AHEAD, type CaptureOptions } from './capture.ts';
import { canTransition, isDecision, reasonFor, transition, type EntryAction } from './domain/entry-lifecycle.ts';
import { EntryRuleError, checkPeriodOpen, resolveBillRate, validateEntry, type ClosedPeriod, type SameDayEntry } from './domain/entry-rules.ts';
import { parseIsoWeek } from './domain/iso-week.ts';
import {
  snapshotOf,
  timeTopics,
  type TimeEntryApprovalCancelled,
  type TimeEntryApproved,
  type TimeEntryRejected,
  type TimeEntrySubmitted,
} from './events.ts';
import { weekKey } from './loaders.ts';
import { closedPeriodsFor, legalEntityOf } from './periods.ts';
import * as repo from './repository.ts';
import type { EntryStatus, TimeDatabase, TimeEntryRow } from './tables.ts';
import type { EntryBillingStatus, WorkContext, WorkContextSource } from './work-context.ts';

/** Most entries one by-id call takes. */
const MAX_IDS = 1000;

type Target = { kind: 'ids'; ids: string[] } | { kind: 'week'; workerId: string; weekStart: string; weekEnd: string };

const labelOf = (row: TimeEntryRow) => `entry ${row.id} (${row.date}, project ${row.project_id})`;

/** Taking back an approval undoes erp's postings: refused once the entry is on an issued invoice. */
const undoesApproval = (action: EntryAction, status: EntryStatus) => status === 'APPROVED' && (action === 'REJECT' || action === 'CANCEL_APPROVAL');

/**
 * The approval flow (DESIGN §1, §4.3): submit, approve, reject, recall and cancel an approval. Each call loads what it
 * needs of other subgraphs once, BEFORE its transaction (through the gateway; see capture.ts): the projects and
 * workers of the entries (re-validation, rates, managers, legal entities) and, when an approval is taken back, erp's
 * billing status. Then it locks the entries and checks everything again on the locked rows: status
 * (domain/entry-lifecycle.ts), who may act (approvers.ts), the period locks binding the caller (periods.ts), and the
 * entry rules or the rate.
 */
export function createApprovalService(deps: { db: Kysely<TimeDatabase>; clock: Clock; onCommit: () => void }, options: CaptureOptions = {}) {
  const { db, clock } = deps;
  const maxDaysAhead = options.maxDaysAhead ?? DEFAULT_MAX_DAYS_AHEAD;

  function source(): WorkContextSource {
    if (!options.workContext) {
      throw new DomainError('INTERNAL_SERVER_ERROR', 'time approval is not configured: the time subgraph was built without a WorkContextSource');
    }
    return options.workContext;
  }

  const read = (handle: Kysely<TimeDatabase> | Transaction<TimeDatabase>, target: Target, lock: boolean) =>
    target.kind === 'ids'
      ? lock
        ? repo.lockTimeEntries(handle as Transaction<TimeDatabase>, target.ids)
        : repo.timeEntriesByIds(handle, target.ids)
      : repo.weekEntries(handle, target.workerId, target.weekStart, target.weekEnd, lock);

  /** The entries the action applies to: every named one (each must allow it), or the week's that allow it (at least one). */
  function pick(rows: TimeEntryRow[], target: Target, action: EntryAction, reason: string | null): TimeEntryRow[] {
    const entry = (row: TimeEntryRow) => ({ id: row.id, status: row.status, reversedAt: row.reversed_at });
    if (target.kind === 'ids') {
      const byId = new Map(rows.map((row) => [row.id, row]));
      return target.ids.map((id) => {
        const row = byId.get(id);
        if (!row) throw notFound('TimeEntry', id);
        transition(entry(row), action, reason);
        return row;
      });
    }
    const eligible = rows.filter((row) => canTransition(row.status, action));
    if (eligible.length === 0) {
      if (rows.length > 0) transition(entry(rows[0]), action, reason);
      throw new DomainError('INVALID_TRANSITION', `worker ${target.workerId} has no time entries in the week of ${target.weekStart} to ${action}`);
    }
    return eligible;
  }

  /**
   * Facts for whatever the target holds now: projects and workers, and erp's billing status of the approved entries
   * an undo would touch. Not checked here: a replayed request must reach its stored answer.
   */
  async function loadFacts(target: Target, action: EntryAction): Promise<{ context: WorkContext; billing: Map<string, EntryBillingStatus> } | null> {
    const rows = await read(db, target, false);
    if (rows.length === 0) return null;
    const undone = rows.filter((row) => undoesApproval(action, row.status)).map((row) => row.id);
    const [context, billing] = await Promise.all([
      source().load({ projectIds: [...new Set(rows.map((r) => r.project_id))], workerIds: [...new Set(rows.map((r) => r.worker_id))] }),
      undone.length > 0 ? source().billingStatuses(undone) : Promise.resolve(new Map<string, EntryBillingStatus>()),
    ]);
    return { context, billing };
  }

  /** Who may take the action on this entry: its worker (or someone capturing for them) submits and recalls; approvers decide. */
  function authorize(scope: RequestScope, action: EntryAction, row: TimeEntryRow, context: WorkContext, delegators: ReadonlySet<string>): void {
    if (action === 'SUBMIT') return assertMayCapture(scope.identity, row.worker_id);
    if (action === 'RECALL') {
      if (row.worker_id !== scope.identity.workerId) throw forbidden('you may only recall your own time');
      return;
    }
    const managerId = context.workers.get(row.worker_id)?.managerId ?? null;
    assertMayDecide(scope.identity, { label: labelOf(row), workerId: row.worker_id, managerId }, delegators);
  }

  /** SUBMIT: the same rules as capture, on current data; each entry's day is the stored day without the entry itself. */
  async function revalidate(trx: Transaction<TimeDatabase>, rows: readonly TimeEntryRow[], context: WorkContext, closedPeriods: ClosedPeriod[], today: string) {
    await repo.lockWorkersForCapture(trx, [...new Set(rows.map((r) => r.worker_id))]);
    const pairs = [...new Map(rows.map((r) => [`${r.worker_id}|${r.date}`, { workerId: r.worker_id, date: r.date }])).values()];
    const sameDay = new Map<string, Array<SameDayEntry & { id: string }>>();
    for (const other of await repo.sameDayEntries(trx, pairs)) {
      const key = `${other.worker_id}|${other.date}`;
      sameDay.set(key, [...(sameDay.get(key) ?? []), { id: other.id, hours: other.hours, startTime: other.start_time, endTime: other.end_time }]);
    }
    for (const row of rows) {
      validateEntry(
        labelOf(row),
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
          maxDaysAhead,
          project: context.projects.get(row.project_id),
          worker: context.workers.get(row.worker_id),
          closedPeriods,
          sameDay: (sameDay.get(`${row.worker_id}|${row.date}`) ?? []).filter((other) => other.id !== row.id),
        },
      );
    }
  }

  /** APPROVE: a billable entry must still resolve a bill rate, with capture's precedence (DESIGN §2). */
  function checkRate(row: TimeEntryRow, context: WorkContext): void {
    if (!row.billable) return;
    const project = context.projects.get(row.project_id);
    if (!project) throw new EntryRuleError('RATE_NOT_FOUND', labelOf(row), `project ${row.project_id} does not exist`);
    const assignment = project.assignments.find((a) => a.id === row.assignment_id) ?? null;
    resolveBillRate(labelOf(row), project, assignment, row.role_id ?? '', row.date);
  }

  /** An approval is taken back only while the entry is not on an issued invoice (then it is corrected, and credited). */
  function checkNotInvoiced(row: TimeEntryRow, billing: Map<string, EntryBillingStatus>): void {
    const status = billing.get(row.id);
    if (status === undefined) throw new DomainError('CONFLICT', `time entry ${row.id} changed while this request ran; retry`);
    if (status === 'INVOICED') {
      throw new DomainError('ALREADY_INVOICED', `${labelOf(row)} is on an issued invoice: correct it instead (erp credits the invoice)`, {
        entryId: row.id,
      });
    }
  }

  async function act(scope: RequestScope, operation: string, action: EntryAction, target: Target, idempotencyKey: string | null | undefined, given: string | null) {
    const reason = reasonFor(action, given);
    const facts = await loadFacts(target, action);
    const actor = scope.identity.workerId;
    const request = { actor, action, target, reason };
    const ids = await runIdempotent(db, { operation, key: idempotencyKey, request }, async (trx) => {
      const rows = pick(await read(trx, target, true), target, action, reason);
      const { context, billing } = facts ?? { context: { projects: new Map(), workers: new Map() }, billing: new Map() };
      const now = clock.now();
      const today = isoDate(now);
      const delegators = new Set(isDecision(action) && actor ? await repo.delegatorsOf(trx, actor, today) : []);
      for (const row of rows) {
        // An entry added or moved between the read and the lock may be of a project or worker not loaded.
        if (!context.projects.has(row.project_id) || !context.workers.has(row.worker_id)) {
          throw new DomainError('CONFLICT', `time entry ${row.id} changed while this request ran; retry`);
        }
        authorize(scope, action, row, context, delegators);
      }
      const closedPeriods = await closedPeriodsFor(trx, context, rows.map((r) => r.date), { identity: scope.identity, today });
      if (action === 'SUBMIT') {
        await revalidate(trx, rows, context, closedPeriods, today);
      } else {
        for (const row of rows) checkPeriodOpen(labelOf(row), legalEntityOf(context, { projectId: row.project_id, workerId: row.worker_id }), row.date, closedPeriods);
      }
      if (action === 'APPROVE') for (const row of rows) checkRate(row, context);
      for (const row of rows) if (undoesApproval(action, row.status)) checkNotInvoiced(row, billing);
      const wasApproved = new Set(rows.filter((row) => row.status === 'APPROVED').map((row) => row.id));
      const step = transition({ id: rows[0].id, status: rows[0].status }, action, reason);
      const updated = await trx
        .updateTable('time_entry')
        .set((eb) => ({
          status: step.to,
          version: eb('version', '+', 1),
          updated_at: now,
          ...(action === 'SUBMIT' ? { submitted_at: now, decided_at: null, decided_by: null, rejection_reason: null } : {}),
          ...(action === 'RECALL' ? { submitted_at: null } : {}),
          ...(action === 'APPROVE' || action === 'REJECT' ? { decided_at: now, decided_by: actor } : {}),
          ...(action === 'REJECT' ? { rejection_reason: step.reason } : {}),
          ...(action === 'CANCEL_APPROVAL' ? { decided_at: null, decided_by: null } : {}),
        }))
        .where('id', 'in', rows.map((r) => r.id))
        .returningAll()
        .execute();
      await repo.insertApprovalRecords(
        trx,
        updated.map((row) => ({ id: randomUUID(), time_entry_id: row.id, expense_entry_id: null, action: step.record, actor_id: actor, at: now, reason: step.reason })),
      );
      const at = now.toISOString();
      const event = <T>(type: string, row: TimeEntryRow, data: T) =>
        createEvent('time', type, { typename: 'TimeEntry', id: row.id }, data, { correlationId: scope.correlationId }, now);
      const events = updated.flatMap((row): DomainEvent<unknown>[] => {
        const snapshot = snapshotOf(row);
        switch (action) {
          case 'SUBMIT':
            return [event<TimeEntrySubmitted>(timeTopics.entrySubmitted, row, { ...snapshot, submittedAt: at })];
          case 'APPROVE':
            return [event<TimeEntryApproved>(timeTopics.entryApproved, row, { ...snapshot, approvedBy: actor, approvedAt: at, correctionOf: row.correction_of })];
          case 'REJECT':
            return [
              event<TimeEntryRejected>(timeTopics.entryRejected, row, { ...snapshot, rejectedBy: actor, rejectedAt: at, reason: step.reason!, wasApproved: wasApproved.has(row.id) }),
            ];
          case 'CANCEL_APPROVAL':
            return [event<TimeEntryApprovalCancelled>(timeTopics.entryApprovalCancelled, row, { ...snapshot, cancelledBy: actor, cancelledAt: at, reason: step.reason! })];
          case 'RECALL':
            return [];
        }
      });
      if (events.length > 0) await appendToOutbox(trx, events);
      return rows.map((r) => r.id);
    });
    deps.onCommit();
    return ids;
  }

  function idsTarget(ids: readonly string[]): Target {
    if (ids.length === 0) throw badInput('ids', 'name at least one time entry');
    if (ids.length > MAX_IDS) throw badInput('ids', `at most ${MAX_IDS} entries per call`);
    return { kind: 'ids', ids: [...new Set(ids.map((id) => checkText('ids', id, 100)))] };
  }

  function weekTarget(workerId: string, isoWeek: string): Target {
    const { weekStart, weekEnd } = parseIsoWeek(isoWeek);
    return { kind: 'week', workerId: checkText('workerId', workerId, 100), weekStart, weekEnd };
  }

  const keyOf = (target: Target) => (target.kind === 'week' ? weekKey(target.workerId, target.weekStart) : '');

  return {
    /** Returns the timesheet's loader key. */
    async submitTimesheet(scope: RequestScope, workerId: string | null | undefined, isoWeek: string, idempotencyKey?: string | null): Promise<string> {
      const owner = workerId ?? scope.identity.workerId;
      if (!owner) throw badInput('workerId', 'the caller is not a worker: name the worker');
      assertMayCapture(scope.identity, owner);
      const target = weekTarget(owner, isoWeek);
      await act(scope, 'submitTimesheet', 'SUBMIT', target, idempotencyKey, null);
      return keyOf(target);
    },

    submitTimeEntries: (scope: RequestScope, ids: readonly string[], idempotencyKey?: string | null) =>
      act(scope, 'submitTimeEntries', 'SUBMIT', idsTarget(ids), idempotencyKey, null),

    approveTimeEntries: (scope: RequestScope, ids: readonly string[], idempotencyKey?: string | null) =>
      act(scope, 'approveTimeEntries', 'APPROVE', idsTarget(ids), idempotencyKey, null),

    async approveTimesheet(scope: RequestScope, workerId: string, isoWeek: string, idempotencyKey?: string | null): Promise<string> {
      const target = weekTarget(workerId, isoWeek);
      await act(scope, 'approveTimesheet', 'APPROVE', target, idempotencyKey, null);
      return keyOf(target);
    },

    rejectTimeEntries: (scope: RequestScope, ids: readonly string[], reason: string, idempotencyKey?: string | null) =>
      act(scope, 'rejectTimeEntries', 'REJECT', idsTarget(ids), idempotencyKey, reason),

    cancelApprovals: (scope: RequestScope, ids: readonly string[], reason: string, idempotencyKey?: string | null) =>
      act(scope, 'cancelApprovals', 'CANCEL_APPROVAL', idsTarget(ids), idempotencyKey, reason),

    async recallTimesheet(scope: RequestScope, isoWeek: string, idempotencyKey?: string | null): Promise<string> {
      const owner = scope.identity.workerId;
      if (!owner) throw forbidden('only a worker recalls their own timesheet');
      const target = weekTarget(owner, isoWeek);
      await act(scope, 'recallTimesheet', 'RECALL', target, idempotencyKey, null);
      return keyOf(target);
    },
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;

import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { hasRole, type Identity } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { DomainError, badInput, forbidden, notFound } from '../../lib/errors.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { runIdempotent } from '../../lib/idempotency.ts';
import { checkText } from '../../lib/validate.ts';
import { assertMayCapture, DEFAULT_MAX_DAYS_AHEAD, type CaptureOptions } from './capture.ts';
import { canTransition, checkRejectionReason, transition, type EntryAction } from './domain/entry-lifecycle.ts';
import { EntryRuleError, resolveBillRate, validateEntry, type SameDayEntry } from './domain/entry-rules.ts';
import { parseIsoWeek } from './domain/iso-week.ts';
import { timeTopics, type TimeEntryApproved, type TimeEntryRejected, type TimeEntrySnapshot, type TimeEntrySubmitted } from './events.ts';
import { weekKey } from './loaders.ts';
import * as repo from './repository.ts';
import type { TimeDatabase, TimeEntryRow } from './tables.ts';
import type { WorkContext, WorkContextSource } from './work-context.ts';

/** Most entries one by-id call takes. */
const MAX_IDS = 1000;

type Target = { kind: 'ids'; ids: string[] } | { kind: 'week'; workerId: string; weekStart: string; weekEnd: string };

/** Which facts of other subgraphs an action needs: projects for re-validation and rates, workers for the manager. */
const needs: Record<EntryAction, { projects: boolean; workers: boolean }> = {
  SUBMIT: { projects: true, workers: true },
  APPROVE: { projects: true, workers: true },
  REJECT: { projects: false, workers: true },
  RECALL: { projects: false, workers: false },
};

const labelOf = (row: TimeEntryRow) => `entry ${row.id} (${row.date}, project ${row.project_id})`;

const snapshotOf = (row: TimeEntryRow): TimeEntrySnapshot => ({
  timeEntryId: row.id,
  version: row.version,
  status: row.status,
  workerId: row.worker_id,
  projectId: row.project_id,
  taskId: row.task_id,
  roleId: row.role_id,
  assignmentId: row.assignment_id,
  date: row.date,
  hours: row.hours,
  billable: row.billable,
});

/**
 * The approval flow (DESIGN §1, §4.3): submit, approve, reject, recall. Each call loads the psa/hcm/crm facts it needs
 * once, BEFORE its transaction (the source goes through the gateway; see capture.ts), then locks the entries and checks
 * everything again on the locked rows: status (domain/entry-lifecycle.ts), access, and the entry rules or the rate.
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
    if (target.kind === 'ids') {
      const byId = new Map(rows.map((row) => [row.id, row]));
      return target.ids.map((id) => {
        const row = byId.get(id);
        if (!row) throw notFound('TimeEntry', id);
        transition(row.id, row.status, action, reason);
        return row;
      });
    }
    const eligible = rows.filter((row) => canTransition(row.status, action));
    if (eligible.length === 0) {
      if (rows.length > 0) transition(rows[0].id, rows[0].status, action, reason);
      throw new DomainError('INVALID_TRANSITION', `worker ${target.workerId} has no time entries in the week of ${target.weekStart} to ${action}`);
    }
    return eligible;
  }

  /** Facts for whatever the target holds now. Not checked here: a replayed request must reach its stored answer. */
  async function loadContext(target: Target, action: EntryAction): Promise<WorkContext | null> {
    const need = needs[action];
    if (!need.projects && !need.workers) return null;
    const rows = await read(db, target, false);
    if (rows.length === 0) return null;
    return source().load({
      projectIds: need.projects ? [...new Set(rows.map((r) => r.project_id))] : [],
      workerIds: need.workers ? [...new Set(rows.map((r) => r.worker_id))] : [],
    });
  }

  /** Who may take the action on this entry. Approvers: the worker's manager (hcm) or an ADMIN, never the worker. */
  function authorize(identity: Identity, action: EntryAction, row: TimeEntryRow, context: WorkContext | null): void {
    if (action === 'SUBMIT') return assertMayCapture(identity, row.worker_id);
    if (action === 'RECALL') {
      if (row.worker_id !== identity.workerId) throw forbidden('you may only recall your own time');
      return;
    }
    if (row.worker_id === identity.workerId) throw forbidden(`nobody approves or rejects their own time (entry ${row.id})`);
    if (hasRole(identity, 'ADMIN')) return;
    const managerId = context?.workers.get(row.worker_id)?.managerId ?? null;
    if (managerId === null || managerId !== identity.workerId) {
      throw forbidden(`only the manager of worker ${row.worker_id} or an ADMIN may approve or reject entry ${row.id}`);
    }
  }

  /** SUBMIT: the same rules as capture, on current data; each entry's day is the stored day without the entry itself. */
  async function revalidate(trx: Transaction<TimeDatabase>, rows: readonly TimeEntryRow[], context: WorkContext): Promise<void> {
    await repo.lockWorkersForCapture(trx, [...new Set(rows.map((r) => r.worker_id))]);
    const pairs = [...new Map(rows.map((r) => [`${r.worker_id}|${r.date}`, { workerId: r.worker_id, date: r.date }])).values()];
    const sameDay = new Map<string, Array<SameDayEntry & { id: string }>>();
    for (const other of await repo.sameDayEntries(trx, pairs)) {
      const key = `${other.worker_id}|${other.date}`;
      sameDay.set(key, [...(sameDay.get(key) ?? []), { id: other.id, hours: other.hours, startTime: other.start_time, endTime: other.end_time }]);
    }
    const legalEntities = new Set<string>();
    for (const project of context.projects.values()) if (project?.legalEntityId) legalEntities.add(project.legalEntityId);
    for (const worker of context.workers.values()) if (worker?.legalEntityId) legalEntities.add(worker.legalEntityId);
    const dates = rows.map((r) => r.date).sort();
    let closedPeriods: Array<{ legalEntityId: string; periodStart: string; periodEnd: string }> = [];
    if (legalEntities.size > 0) {
      await repo.shareLegalEntityPeriods(trx, [...legalEntities]);
      const locks = await repo.closedPeriodLocks(trx, [...legalEntities], dates[0], dates[dates.length - 1]);
      closedPeriods = locks.map((l) => ({ legalEntityId: l.legal_entity_id, periodStart: l.period_start, periodEnd: l.period_end }));
    }
    const today = isoDate(clock.now());
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

  async function act(scope: RequestScope, operation: string, action: EntryAction, target: Target, idempotencyKey: string | null | undefined, reason: string | null) {
    const context = await loadContext(target, action);
    const actor = scope.identity.workerId;
    const request = { actor, action, target, reason };
    const ids = await runIdempotent(db, { operation, key: idempotencyKey, request }, async (trx) => {
      const rows = pick(await read(trx, target, true), target, action, reason);
      const need = needs[action];
      for (const row of rows) {
        // An entry added or moved between the read and the lock may be of a project or worker not loaded.
        if ((need.projects && !context?.projects.has(row.project_id)) || (need.workers && !context?.workers.has(row.worker_id))) {
          throw new DomainError('CONFLICT', `time entry ${row.id} changed while this request ran; retry`);
        }
        authorize(scope.identity, action, row, context);
      }
      if (action === 'SUBMIT') await revalidate(trx, rows, context!);
      if (action === 'APPROVE') for (const row of rows) checkRate(row, context!);
      const now = clock.now();
      const step = transition(rows[0].id, rows[0].status, action, reason);
      const decided = action === 'APPROVE' || action === 'REJECT';
      const updated = await trx
        .updateTable('time_entry')
        .set((eb) => ({
          status: step.to,
          version: eb('version', '+', 1),
          updated_at: now,
          ...(action === 'SUBMIT' ? { submitted_at: now, decided_at: null, decided_by: null, rejection_reason: null } : {}),
          ...(action === 'RECALL' ? { submitted_at: null } : {}),
          ...(decided ? { decided_at: now, decided_by: actor } : {}),
          ...(action === 'REJECT' ? { rejection_reason: step.reason } : {}),
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
        if (action === 'SUBMIT') return [event<TimeEntrySubmitted>(timeTopics.entrySubmitted, row, { ...snapshot, submittedAt: at })];
        if (action === 'APPROVE') {
          return [event<TimeEntryApproved>(timeTopics.entryApproved, row, { ...snapshot, approvedBy: actor, approvedAt: at, correctionOf: row.correction_of })];
        }
        if (action === 'REJECT') {
          return [event<TimeEntryRejected>(timeTopics.entryRejected, row, { ...snapshot, rejectedBy: actor, rejectedAt: at, reason: step.reason! })];
        }
        return [];
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

    async rejectTimeEntries(scope: RequestScope, ids: readonly string[], reason: string, idempotencyKey?: string | null) {
      return act(scope, 'rejectTimeEntries', 'REJECT', idsTarget(ids), idempotencyKey, checkRejectionReason(reason));
    },

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

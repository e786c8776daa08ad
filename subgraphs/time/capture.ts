import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely, Transaction } from 'kysely';
import { hasRole, type Identity } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { DomainError, badInput, notFound } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { runIdempotent } from '../../lib/idempotency.ts';
import { checkDate, checkText, optionalText } from '../../lib/validate.ts';
import { checkPeriodOpen, projectName, validateEntry, type EntryDraft, type SameDayEntry, type ValidEntry } from './domain/entry-rules.ts';
import { assertMayCapture } from './access.ts';
import { correctApproved, type CorrectionSubject } from './correction.ts';
import { snapshotOf, timeTopics, type TimeEntrySnapshot } from './events.ts';
import { closedPeriodsFor, legalEntityOf } from './periods.ts';
import * as repo from './repository.ts';
import type { EntryStatus, TimeDatabase, TimeEntryRow } from './tables.ts';
import { timesheetChangedEvents } from './timesheet-events.ts';
import type { WorkContext, WorkContextSource } from './work-context.ts';

/** Most entries one logTimeEntries call takes. */
export const MAX_BATCH = 1000;
export const DEFAULT_MAX_DAYS_AHEAD = 14;

export interface CaptureOptions {
  workContext?: WorkContextSource;
  /**
   * How many days after today (the clock's UTC date) a DRAFT may be dated (TIME_ENTRY_FUTURE_DAYS); submitting,
   * approving and correcting allow none.
   */
  maxDaysAhead?: number;
}

export interface LogTimeEntryInput {
  workerId?: string | null;
  projectId: string;
  taskId: string;
  date: string;
  hours: string;
  startTime?: string | null;
  endTime?: string | null;
  billable?: boolean | null;
  roleId?: string | null;
  notes?: string | null;
  externalId?: { system: string; id: string } | null;
}

/** Absent fields keep their value; null clears the optional ones (required ones refuse it). */
export interface UpdateTimeEntryInput {
  projectId?: string | null;
  taskId?: string | null;
  date?: string | null;
  hours?: string | null;
  startTime?: string | null;
  endTime?: string | null;
  billable?: boolean | null;
  roleId?: string | null;
  notes?: string | null;
}

/** One batch input's outcome: the entry's id, or why it was not logged. Also the idempotent response. */
export interface EntryResult {
  id: string | null;
  error: { index: number; code: string; message: string } | null;
}

interface Normalized {
  index: number;
  /** The entry as messages name it, once its project's code is known (`projectName`). */
  label: (project: string) => string;
  draft: EntryDraft;
  notes: string | null;
  externalId: { system: string; id: string } | null;
}

/** The WorkContextSource capture was built with; INTERNAL_SERVER_ERROR when the subgraph was built without one. */
export function requireWorkContext(options: CaptureOptions): WorkContextSource {
  if (!options.workContext) {
    throw new DomainError('INTERNAL_SERVER_ERROR', 'time capture is not configured: the time subgraph was built without a WorkContextSource');
  }
  return options.workContext;
}

/** What a change names the thing it changes by: its GraphQL type (NOT_FOUND), its noun and plural (messages). */
export interface Changeable {
  typename: string;
  noun: string;
  plural: string;
}

/** The checks every change makes: exists, the caller's to change, the version the caller saw, a changeable status. */
export function assertChangeable<R extends { worker_id: string; version: number; status: EntryStatus }>(
  identity: Identity,
  kind: Changeable,
  id: string,
  row: R | undefined,
  expectedVersion: number,
): R {
  if (!row) throw notFound(kind.typename, id);
  assertMayCapture(identity, row.worker_id);
  if (row.version !== expectedVersion) {
    throw new DomainError('CONFLICT', `${kind.noun} ${id} is at version ${row.version}, not ${expectedVersion}`, { currentVersion: row.version });
  }
  if (row.status !== 'DRAFT' && row.status !== 'REJECTED') {
    throw new DomainError('INVALID_TRANSITION', `${kind.noun} ${id} is ${row.status}: only DRAFT or REJECTED ${kind.plural} can be changed`);
  }
  return row;
}

const timeEntryKind: Changeable = { typename: 'TimeEntry', noun: 'time entry', plural: 'entries' };

const sameDayKey = (workerId: string, date: string) => `${workerId}|${date}`;

function normalize(identity: Identity, input: LogTimeEntryInput, index: number, label: (date: string, project: string) => string): Normalized {
  const workerId = input.workerId ?? identity.workerId;
  if (!workerId) throw badInput('workerId', 'the caller is not a worker: name the worker');
  assertMayCapture(identity, workerId);
  const date = checkDate('date', input.date);
  const projectId = checkText('projectId', input.projectId, 100);
  return {
    index,
    label: (project) => label(date, project),
    draft: {
      workerId,
      projectId,
      taskId: checkText('taskId', input.taskId, 100),
      date,
      hours: input.hours,
      startTime: input.startTime ?? null,
      endTime: input.endTime ?? null,
      billable: input.billable ?? null,
      roleId: input.roleId ?? null,
    },
    notes: optionalText('notes', input.notes, 4000),
    externalId: input.externalId
      ? { system: checkText('externalId.system', input.externalId.system, 100), id: checkText('externalId.id', input.externalId.id, 200) }
      : null,
  };
}

/** The columns a validated entry sets, on insert and on update alike. */
const entryColumns = (entry: ValidEntry) => ({
  project_id: entry.projectId,
  task_id: entry.taskId,
  role_id: entry.roleId,
  assignment_id: entry.assignmentId,
  date: entry.date,
  hours: entry.hours,
  start_time: entry.startTime,
  end_time: entry.endTime,
  billable: entry.billable,
});

/** Editing a REJECTED time entry or expense makes it a draft again (DESIGN §1); the rejection stays in its history. */
export const backToDraft = { status: 'DRAFT', decided_at: null, decided_by: null, rejection_reason: null } as const;

/**
 * The lifecycle columns of a new time entry or expense: logged as a DRAFT (perhaps imported), or created SUBMITTED as
 * the correction of an approved one.
 */
export function lifecycleStart(start: { status: 'DRAFT' | 'SUBMITTED'; externalId: { system: string; id: string } | null; correctionOf: string | null; now: Date }) {
  return {
    status: start.status,
    external_system: start.externalId?.system ?? null,
    external_id: start.externalId?.id ?? null,
    submitted_at: start.status === 'SUBMITTED' ? start.now : null,
    decided_at: null,
    decided_by: null,
    rejection_reason: null,
    correction_of: start.correctionOf,
    reversed_at: null,
    created_at: start.now,
    updated_at: start.now,
  };
}

/** A new entry's row: a validated entry plus how it starts its life. */
function newEntryRow(id: string, entry: ValidEntry, notes: string | null, start: Parameters<typeof lifecycleStart>[0]): Insertable<TimeDatabase['time_entry']> {
  return { id, worker_id: entry.workerId, ...entryColumns(entry), notes, ...lifecycleStart(start) };
}

/**
 * The entry `input` makes of a stored one: absent fields keep their value, null clears the optional ones (back to
 * their defaults for roleId and billable), and a new task or project brings its own defaults unless the caller names
 * them. Used by an update (in place) and a correction (a new entry).
 */
function changedDraft(row: TimeEntryRow, input: UpdateTimeEntryInput): { draft: EntryDraft; notes: string | null } {
  const given = <K extends keyof UpdateTimeEntryInput>(key: K) => input[key] !== undefined;
  const required = (key: 'projectId' | 'taskId' | 'date' | 'hours', current: string) => {
    if (!given(key)) return current;
    if (input[key] === null) throw badInput(key, 'cannot be cleared');
    return key === 'date' ? checkDate('date', input.date!) : key === 'hours' ? input.hours! : checkText(key, input[key]!, 100);
  };
  const projectId = required('projectId', row.project_id);
  const taskId = required('taskId', row.task_id ?? '');
  const draft: EntryDraft = {
    workerId: row.worker_id,
    projectId,
    taskId,
    date: required('date', row.date),
    hours: required('hours', row.hours),
    startTime: given('startTime') ? (input.startTime ?? null) : row.start_time,
    endTime: given('endTime') ? (input.endTime ?? null) : row.end_time,
    billable: given('billable') ? (input.billable ?? null) : taskId === row.task_id ? row.billable : null,
    roleId: given('roleId') ? (input.roleId ?? null) : projectId === row.project_id ? row.role_id : null,
  };
  return { draft, notes: given('notes') ? optionalText('notes', input.notes, 4000) : row.notes };
}

/**
 * Time capture (DESIGN §4.2): logging, changing and deleting DRAFT entries, and correcting APPROVED ones, validated by
 * domain/entry-rules.ts.
 */
export function createCaptureService(deps: { db: Kysely<TimeDatabase>; clock: Clock; onCommit: () => void }, options: CaptureOptions = {}) {
  const { db, clock } = deps;
  const maxDaysAhead = options.maxDaysAhead ?? DEFAULT_MAX_DAYS_AHEAD;

  const source = () => requireWorkContext(options);

  /**
   * psa/hcm/crm facts for these drafts in one round trip. Always called before the transaction opens: the source goes
   * through the gateway to other subgraphs, which must not wait on a transaction held here (on PGlite they share the
   * one connection, so holding it would deadlock).
   */
  const loadContext = (drafts: ReadonlyArray<Pick<EntryDraft, 'projectId' | 'workerId'>>) =>
    source().load({ projectIds: [...new Set(drafts.map((d) => d.projectId))], workerIds: [...new Set(drafts.map((d) => d.workerId))] });

  /** time's own facts for these drafts, in a fixed number of statements whatever their number. */
  async function factsFor(trx: Transaction<TimeDatabase>, identity: Identity, context: WorkContext, drafts: readonly EntryDraft[], excludeId: string | null = null) {
    await repo.lockWorkersForCapture(trx, [...new Set(drafts.map((d) => d.workerId))]);
    const pairs = [...new Map(drafts.map((d) => [sameDayKey(d.workerId, d.date), { workerId: d.workerId, date: d.date }])).values()];
    const sameDay = new Map<string, SameDayEntry[]>();
    for (const row of await repo.sameDayEntries(trx, pairs)) {
      if (row.id === excludeId) continue;
      const key = sameDayKey(row.worker_id, row.date);
      sameDay.set(key, [...(sameDay.get(key) ?? []), { hours: row.hours, startTime: row.start_time, endTime: row.end_time }]);
    }
    const closedPeriods = await closedPeriodsFor(trx, context, drafts.map((d) => d.date), { identity, today: isoDate(clock.now()) });
    return { context, sameDay, closedPeriods };
  }

  /**
   * Logs a batch in one transaction. `throwFirst` (logTimeEntry) turns the entry's failure into the request's error so
   * nothing, not even the idempotency key, is stored; a batch records failures per input and writes the valid ones.
   */
  async function log(scope: RequestScope, operation: string, inputs: readonly LogTimeEntryInput[], idempotencyKey: string | null | undefined, throwFirst: boolean) {
    if (inputs.length > MAX_BATCH) throw badInput('inputs', `at most ${MAX_BATCH} entries per call`);
    source();
    const results: EntryResult[] = inputs.map(() => ({ id: null, error: null }));
    const normalized: Normalized[] = [];
    inputs.forEach((input, index) => {
      const label = throwFirst ? (date: string, project: string) => `entry on ${date} for project ${project}` : (date: string, project: string) => `entry ${index} (${date}, project ${project})`;
      try {
        normalized.push(normalize(scope.identity, input, index, label));
      } catch (error) {
        if (throwFirst || !(error instanceof DomainError)) throw error;
        results[index].error = { index, code: error.code, message: `entry ${index}: ${error.message}` };
      }
    });
    const context = normalized.length > 0 ? await loadContext(normalized.map((n) => n.draft)) : null;
    return runIdempotent(db, { caller: scope.identity, operation, key: idempotencyKey, request: { identity: scope.identity.workerId, inputs } }, async (trx) => {
      const refs = normalized.flatMap((n) => (n.externalId ? [n.externalId] : []));
      const imported = new Map<string, string>();
      if (refs.length > 0) {
        await repo.lockExternalRefs(trx, refs);
        for (const row of await repo.entriesByExternalRefs(trx, refs)) imported.set(`${row.external_system}|${row.external_id}`, row.id);
      }
      const refKey = (n: Normalized) => (n.externalId ? `${n.externalId.system}|${n.externalId.id}` : null);
      const fresh = normalized.filter((n) => !imported.has(refKey(n) ?? ''));
      const facts = fresh.length > 0 ? await factsFor(trx, scope.identity, context!, fresh.map((n) => n.draft)) : null;
      const now = clock.now();
      const today = isoDate(now);
      const rows: Array<Insertable<TimeDatabase['time_entry']>> = [];
      for (const n of normalized) {
        const ref = refKey(n);
        if (ref && imported.has(ref)) {
          results[n.index].id = imported.get(ref)!;
          continue;
        }
        const key = sameDayKey(n.draft.workerId, n.draft.date);
        const sameDay = facts!.sameDay.get(key) ?? [];
        try {
          const project = facts!.context.projects.get(n.draft.projectId);
          const entry = validateEntry(n.label(projectName(n.draft.projectId, project)), n.draft, {
            today,
            maxDaysAhead,
            project,
            worker: facts!.context.workers.get(n.draft.workerId),
            closedPeriods: facts!.closedPeriods,
            sameDay,
          });
          const id = randomUUID();
          rows.push(newEntryRow(id, entry, n.notes, { status: 'DRAFT', externalId: n.externalId, correctionOf: null, now }));
          results[n.index].id = id;
          // Later entries of the batch see this one in the worker's day (totals and overlaps).
          facts!.sameDay.set(key, [...sameDay, { hours: entry.hours, startTime: entry.startTime, endTime: entry.endTime }]);
          if (ref) imported.set(ref, id);
        } catch (error) {
          if (throwFirst || !(error instanceof DomainError)) throw error;
          results[n.index].error = { index: n.index, code: error.code, message: error.message };
        }
      }
      if (rows.length > 0) await repo.insertTimeEntries(trx, rows);
      return results;
    });
  }

  /**
   * A change reads and checks the entry first (to know which facts to load outside the transaction), then locks and
   * checks it again inside: every change bumps the version, so a passing second check means the row is the one read.
   */
  async function readChangeable(identity: Identity, id: string, expectedVersion: number): Promise<TimeEntryRow> {
    const [row] = await repo.timeEntriesByIds(db, [id]);
    return assertChangeable(identity, timeEntryKind, id, row, expectedVersion);
  }

  const entryCorrection: CorrectionSubject<TimeEntryRow, UpdateTimeEntryInput, { draft: EntryDraft; notes: string | null; context: WorkContext }, TimeEntrySnapshot> = {
    kind: timeEntryKind,
    table: 'time_entry',
    historyColumn: 'time_entry_id',
    operation: 'correctTimeEntry',
    topics: { corrected: timeTopics.entryCorrected, submitted: timeTopics.entrySubmitted },
    snapshot: snapshotOf,
    read: async (handle, id) => (await repo.timeEntriesByIds(handle, [id]))[0],
    lock: repo.lockTimeEntry,
    groupEvents: timesheetChangedEvents,

    async plan(row, input) {
      const { draft, notes } = changedDraft(row, input);
      return { draft, notes, context: await loadContext([draft, { workerId: row.worker_id, projectId: row.project_id }]) };
    },

    async insertCorrection(trx, scope, original, { draft, notes, context }, correction) {
      const label = `correction of entry ${original.id} (${draft.date}, project ${projectName(draft.projectId, context.projects.get(draft.projectId))})`;
      const facts = await factsFor(trx, scope.identity, context, [draft, { ...draft, date: original.date, projectId: original.project_id }], original.id);
      checkPeriodOpen(label, legalEntityOf(context, { workerId: original.worker_id, projectId: original.project_id }), original.date, facts.closedPeriods);
      const entry = validateEntry(label, draft, {
        today: isoDate(correction.now),
        // A correction is SUBMITTED at once, so, like a submission, it may not be dated after today.
        maxDaysAhead: 0,
        project: context.projects.get(draft.projectId),
        worker: context.workers.get(draft.workerId),
        closedPeriods: facts.closedPeriods,
        sameDay: facts.sameDay.get(sameDayKey(draft.workerId, draft.date)) ?? [],
      });
      return trx
        .insertInto('time_entry')
        .values(newEntryRow(correction.id, entry, notes, { status: 'SUBMITTED', externalId: null, correctionOf: original.id, now: correction.now }))
        .returningAll()
        .executeTakeFirstOrThrow();
    },
  };

  const lockChangeable = async (trx: Transaction<TimeDatabase>, identity: Identity, id: string, expectedVersion: number) =>
    assertChangeable(identity, timeEntryKind, id, await repo.lockTimeEntry(trx, id), expectedVersion);

  return {
    async logTimeEntry(scope: RequestScope, input: LogTimeEntryInput, idempotencyKey?: string | null): Promise<string> {
      const [result] = await log(scope, 'logTimeEntry', [input], idempotencyKey, true);
      return result.id!;
    },

    logTimeEntries: (scope: RequestScope, inputs: readonly LogTimeEntryInput[], idempotencyKey?: string | null) =>
      log(scope, 'logTimeEntries', inputs, idempotencyKey, false),

    async updateTimeEntry(scope: RequestScope, id: string, expectedVersion: number, input: UpdateTimeEntryInput): Promise<string> {
      source();
      const row = await readChangeable(scope.identity, id, expectedVersion);
      const { draft, notes } = changedDraft(row, input);
      const previous = { ...draft, date: row.date, projectId: row.project_id };
      const context = await loadContext([draft, previous]);
      return runIdempotent(db, { caller: scope.identity, operation: 'updateTimeEntry', key: null, request: null }, async (trx) => {
        await lockChangeable(trx, scope.identity, id, expectedVersion);
        const label = `entry ${id} (${draft.date}, project ${projectName(draft.projectId, context.projects.get(draft.projectId))})`;
        const facts = await factsFor(trx, scope.identity, context, [draft, previous], id);
        // Moving an entry out of a closed period is a change on that period too.
        checkPeriodOpen(label, legalEntityOf(context, previous), row.date, facts.closedPeriods);
        const entry = validateEntry(label, draft, {
          today: isoDate(clock.now()),
          maxDaysAhead,
          project: context.projects.get(draft.projectId),
          worker: context.workers.get(draft.workerId),
          closedPeriods: facts.closedPeriods,
          sameDay: facts.sameDay.get(sameDayKey(draft.workerId, draft.date)) ?? [],
        });
        await trx
          .updateTable('time_entry')
          .set((eb) => ({
            ...entryColumns(entry),
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

    /**
     * Corrects an APPROVED entry (DESIGN §1): never in place (correction.ts `correctApproved`). The entry is reversed
     * (`time.entry.corrected` tells erp to reverse its postings) and a new entry linked to it is created with the
     * changes, validated like a new one against current data (the reversed entry no longer counts in its day) and
     * SUBMITTED for approval. Its worker or a MANAGER/ADMIN corrects, with a reason.
     */
    correctTimeEntry: (
      scope: RequestScope,
      id: string,
      expectedVersion: number,
      input: UpdateTimeEntryInput,
      reason: string,
      idempotencyKey?: string | null,
    ): Promise<string> => {
      source();
      return correctApproved(deps, entryCorrection, scope, { id, expectedVersion, input, reason, idempotencyKey });
    },

    async deleteTimeEntry(scope: RequestScope, id: string, expectedVersion: number): Promise<string> {
      source();
      const row = await readChangeable(scope.identity, id, expectedVersion);
      const entry = { projectId: row.project_id, workerId: row.worker_id };
      const context = await loadContext([entry]);
      return runIdempotent(db, { caller: scope.identity, operation: 'deleteTimeEntry', key: null, request: null }, async (trx) => {
        await lockChangeable(trx, scope.identity, id, expectedVersion);
        const closed = await closedPeriodsFor(trx, context, [row.date], { identity: scope.identity, today: isoDate(clock.now()) });
        checkPeriodOpen(`entry ${id} (${row.date}, project ${row.project_id})`, legalEntityOf(context, entry), row.date, closed);
        // A draft or rejected entry was never approved, so nothing downstream refers to it; its history goes with it.
        await trx.deleteFrom('approval_record').where('time_entry_id', '=', id).execute();
        await trx.deleteFrom('time_entry').where('id', '=', id).execute();
        return id;
      });
    },
  };
}

export type CaptureService = ReturnType<typeof createCaptureService>;

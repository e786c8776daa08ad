import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely, Transaction } from 'kysely';
import { hasRole, requireRole, type Identity } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { recordDeletion } from '../../lib/db/changes.ts';
import { inRolledBackTransaction } from '../../lib/db/database.ts';
import { DomainError, badInput, forbidden, notFound } from '../../lib/errors.ts';
import type { DomainEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { committedAnswer, runIdempotent, transactionalWriter } from '../../lib/idempotency.ts';
import { checkBatchSize, type UpsertResult } from '../../lib/upsert.ts';
import { checkDate, checkText, optionalText } from '../../lib/validate.ts';
import { checkPeriodOpen, projectName, validateEntry, type ClosedPeriod, type EntryDraft, type SameDayEntry, type ValidEntry } from './domain/entry-rules.ts';
import type { PeriodRights } from './domain/period-lock.ts';
import { assertMayCapture } from './access.ts';
import { approvalSubjects, approvedEventOf, type ApprovedDetails } from './approval.ts';
import { correctApproved, type CorrectionSubject } from './correction.ts';
import { snapshotOf, timeTopics, type TimeEntrySnapshot } from './events.ts';
import { closedPeriodsFor, legalEntityOf } from './periods.ts';
import * as repo from './repository.ts';
import type { EntryStatus, TimeDatabase, TimeEntryRow } from './tables.ts';
import { checkImportInput, importNote, resolveTask, resolveWorkersAndProjects, type ImportedEntryStatus, type ImportTimeEntryInput } from './time-import.ts';
import { timesheetChangedEvents } from './timesheet-events.ts';
import { refKey, type WorkContext, type WorkContextSource } from './work-context.ts';

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

/** What the capture rules made of one input of a batch: an entry imported before, a new valid entry, or a refusal. */
type Admitted =
  | { kind: 'existing'; n: Normalized; id: string }
  | { kind: 'new'; n: Normalized; id: string; entry: ValidEntry }
  | { kind: 'refused'; n: Normalized; error: DomainError };

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
  const write = transactionalWriter(db, deps.onCommit);
  const approvedEntries = approvalSubjects().timeEntry;

  const source = () => requireWorkContext(options);

  /**
   * psa/hcm/crm facts for these drafts in one round trip. Always called before the transaction opens: the source goes
   * through the gateway to other subgraphs, which must not wait on a transaction held here (on PGlite they share the
   * one connection, so holding it would deadlock).
   */
  const loadContext = (drafts: ReadonlyArray<Pick<EntryDraft, 'projectId' | 'workerId'>>) =>
    source().load({ projectIds: [...new Set(drafts.map((d) => d.projectId))], workerIds: [...new Set(drafts.map((d) => d.workerId))] });

  /** time's own facts for these drafts, in a fixed number of statements whatever their number. */
  async function factsFor(
    trx: Transaction<TimeDatabase>,
    identity: Identity,
    context: WorkContext,
    drafts: readonly EntryDraft[],
    excludeId: string | null = null,
    periodRights?: PeriodRights,
  ) {
    await repo.lockWorkersForCapture(trx, [...new Set(drafts.map((d) => d.workerId))]);
    const pairs = [...new Map(drafts.map((d) => [sameDayKey(d.workerId, d.date), { workerId: d.workerId, date: d.date }])).values()];
    const sameDay = new Map<string, SameDayEntry[]>();
    for (const row of await repo.sameDayEntries(trx, pairs)) {
      if (row.id === excludeId) continue;
      const key = sameDayKey(row.worker_id, row.date);
      sameDay.set(key, [...(sameDay.get(key) ?? []), { hours: row.hours, startTime: row.start_time, endTime: row.end_time }]);
    }
    const closedPeriods = await closedPeriodsFor(trx, context, drafts.map((d) => d.date), { identity, today: isoDate(clock.now()), rights: periodRights });
    return { context, sameDay, closedPeriods };
  }

  /**
   * The capture rules on a batch inside its transaction. An input whose externalId was imported before (or earlier in
   * the batch) is that entry; the others are validated in input order, each seeing the batch's accepted ones in its
   * worker's day (totals and overlaps). Closed periods bind by the caller's rights unless `rules.periodRights` says
   * otherwise; `rules.bypassClosedPeriods` lets entries into them (the closed periods are returned, to record it).
   */
  async function admit(
    trx: Transaction<TimeDatabase>,
    identity: Identity,
    normalized: readonly Normalized[],
    context: WorkContext,
    rules: { maxDaysAhead: number; periodRights?: PeriodRights; bypassClosedPeriods?: boolean },
  ): Promise<{ admitted: Admitted[]; closedPeriods: ClosedPeriod[] }> {
    const refs = normalized.flatMap((n) => (n.externalId ? [n.externalId] : []));
    const imported = new Map<string, string>();
    if (refs.length > 0) {
      await repo.lockExternalRefs(trx, refs);
      for (const row of await repo.entriesByExternalRefs(trx, refs)) imported.set(`${row.external_system}|${row.external_id}`, row.id);
    }
    const refKey = (n: Normalized) => (n.externalId ? `${n.externalId.system}|${n.externalId.id}` : null);
    const fresh = normalized.filter((n) => !imported.has(refKey(n) ?? ''));
    const facts = fresh.length > 0 ? await factsFor(trx, identity, context, fresh.map((n) => n.draft), null, rules.periodRights) : null;
    const today = isoDate(clock.now());
    const admitted: Admitted[] = [];
    for (const n of normalized) {
      const ref = refKey(n);
      if (ref && imported.has(ref)) {
        admitted.push({ kind: 'existing', n, id: imported.get(ref)! });
        continue;
      }
      const key = sameDayKey(n.draft.workerId, n.draft.date);
      const sameDay = facts!.sameDay.get(key) ?? [];
      try {
        const project = facts!.context.projects.get(n.draft.projectId);
        const entry = validateEntry(n.label(projectName(n.draft.projectId, project)), n.draft, {
          today,
          maxDaysAhead: rules.maxDaysAhead,
          project,
          worker: facts!.context.workers.get(n.draft.workerId),
          closedPeriods: rules.bypassClosedPeriods ? [] : facts!.closedPeriods,
          sameDay,
        });
        const id = randomUUID();
        admitted.push({ kind: 'new', n, id, entry });
        facts!.sameDay.set(key, [...sameDay, { hours: entry.hours, startTime: entry.startTime, endTime: entry.endTime }]);
        if (ref) imported.set(ref, id);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        admitted.push({ kind: 'refused', n, error });
      }
    }
    return { admitted, closedPeriods: facts?.closedPeriods ?? [] };
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
      const { admitted } = normalized.length > 0 ? await admit(trx, scope.identity, normalized, context!, { maxDaysAhead }) : { admitted: [] };
      const now = clock.now();
      const rows: Array<Insertable<TimeDatabase['time_entry']>> = [];
      for (const admission of admitted) {
        const { index } = admission.n;
        if (admission.kind === 'refused') {
          if (throwFirst) throw admission.error;
          results[index].error = { index, code: admission.error.code, message: admission.error.message };
          continue;
        }
        results[index].id = admission.id;
        if (admission.kind === 'new') {
          rows.push(newEntryRow(admission.id, admission.entry, admission.n.notes, { status: 'DRAFT', externalId: admission.n.externalId, correctionOf: null, now }));
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

    /**
     * Imports another system's time (importTimeEntries, README "Bring your data"). Before the transaction, without
     * reading other subgraphs for inputs imported before: the inputs' references through the graph (one request) and
     * psa/hcm/crm's facts (one request, with the tasks' references when a task is named by one). In the transaction,
     * capture's rules (`admit`) with every closed period binding (`periodRights: 'NONE'`, ADMIN's override included)
     * unless `allowLockedPeriods`; APPROVED entries are priced and published as an approval would
     * (`approvedEventOf`), so erp posts them. Refusals are per input; the valid ones are written together.
     */
    async importTimeEntries(
      scope: RequestScope,
      inputs: readonly ImportTimeEntryInput[],
      options: { status: ImportedEntryStatus; allowLockedPeriods: boolean; dryRun?: boolean },
      idempotencyKey?: string | null,
    ): Promise<UpsertResult[]> {
      requireRole(scope.identity);
      if (options.allowLockedPeriods && !hasRole(scope.identity, 'ADMIN')) throw forbidden('only an ADMIN imports into closed periods');
      checkBatchSize(inputs);
      const workContext = source();
      const request = { inputs, status: options.status, allowLockedPeriods: options.allowLockedPeriods };
      const replay = options.dryRun ? undefined : await committedAnswer(db, { caller: scope.identity, operation: 'importTimeEntries', key: idempotencyKey, request });
      if (replay) return replay.result as UpsertResult[];

      const results: UpsertResult[] = inputs.map((_, index) => ({ index, outcome: 'REFUSED', id: null, error: null }));
      const refuse = (index: number, error: DomainError, named = false) => {
        const field = typeof error.details.field === 'string' ? error.details.field : null;
        results[index] = { index, outcome: 'REFUSED', id: null, error: { code: error.code, message: named ? error.message : `entry ${index}: ${error.message}`, field } };
      };
      const unchanged = (index: number, id: string) => (results[index] = { index, outcome: 'UNCHANGED', id, error: null });
      const attempt = <T>(index: number, work: () => T): T | undefined => {
        try {
          return work();
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          refuse(index, error);
          return undefined;
        }
      };

      const checked = inputs.flatMap((input, index) => {
        const refs = attempt(index, () => checkImportInput(input));
        return refs ? [{ index, input, refs }] : [];
      });
      // Imported before: answered from time alone, so re-running a file reads nothing of the other subgraphs.
      const known = new Map(
        (await repo.entriesByExternalRefs(db, checked.map((c) => c.refs.externalId))).map((row) => [`${row.external_system}|${row.external_id}`, row.id]),
      );
      for (const c of checked) if (known.has(refKey(c.refs.externalId))) unchanged(c.index, known.get(refKey(c.refs.externalId))!);
      const resolved = await resolveWorkersAndProjects(
        workContext,
        checked.filter((c) => !known.has(refKey(c.refs.externalId))),
        refuse,
      );
      const workerOf = (input: { workerId?: string | null }) => input.workerId ?? scope.identity.workerId;
      const context =
        resolved.length > 0
          ? await workContext.load({
              projectIds: [...new Set(resolved.map((r) => r.input.projectId))],
              workerIds: [...new Set(resolved.flatMap((r) => workerOf(r.input) ?? []))],
              taskRefs: resolved.some((r) => r.taskRef !== null),
            })
          : null;
      const invoiced = new Map<number, boolean>();
      const normalized: Normalized[] = [];
      for (const r of resolved) {
        const label = (date: string, project: string) => `entry ${r.index} (${date}, project ${project})`;
        const n = attempt(r.index, () => {
          const taskId = r.taskRef ? resolveTask(context!, r.input.projectId, r.taskRef) : r.input.taskId;
          // An unknown project leaves the task unknown too: the entry rules refuse the project first.
          return normalize(scope.identity, { ...r.input, taskId: taskId ?? 'unknown' }, r.index, label);
        });
        if (!n) continue;
        normalized.push(n);
        invoiced.set(r.index, r.invoiced);
      }

      const approved = options.status === 'APPROVED';
      const run = async (trx: Transaction<TimeDatabase>) => {
        const { admitted, closedPeriods } =
          normalized.length > 0
            ? await admit(trx, scope.identity, normalized, context!, {
                // History is approved once worked; drafts may be logged ahead, as logTimeEntries allows.
                maxDaysAhead: approved ? 0 : maxDaysAhead,
                periodRights: 'NONE',
                bypassClosedPeriods: options.allowLockedPeriods,
              })
            : { admitted: [], closedPeriods: [] as ClosedPeriod[] };
        const now = clock.now();
        const actor = scope.identity.workerId;
        const rows: Array<Insertable<TimeDatabase['time_entry']>> = [];
        const notes = new Map<string, string>();
        const details = new Map<string, ApprovedDetails>();
        for (const admission of admitted) {
          const { index } = admission.n;
          if (admission.kind === 'refused') {
            refuse(index, admission.error, true);
            continue;
          }
          if (admission.kind === 'existing') {
            unchanged(index, admission.id);
            continue;
          }
          const { id, entry } = admission;
          const row = {
            ...newEntryRow(id, entry, admission.n.notes, { status: 'DRAFT', externalId: admission.n.externalId, correctionOf: null, now }),
            ...(approved ? { status: 'APPROVED' as const, submitted_at: now, decided_at: now, decided_by: actor } : {}),
            invoiced_externally: invoiced.get(index) ?? false,
          };
          if (approved) {
            // The approval's own rule (a bill rate and a currency to bill in), on the row about to be written.
            const priced = attempt(index, () => approvedEntries.approve(row as unknown as TimeEntryRow, context!));
            if (!priced) continue;
            details.set(id, priced);
          }
          const legalEntity = legalEntityOf(context!, { projectId: entry.projectId, workerId: entry.workerId });
          const bypassed = options.allowLockedPeriods && closedPeriods.some((p) => p.legalEntityId === legalEntity && p.periodStart <= entry.date && entry.date <= p.periodEnd);
          notes.set(id, importNote(admission.n.externalId!.system, bypassed));
          rows.push(row);
          results[index] = { index, outcome: 'CREATED', id, error: null };
        }
        if (rows.length === 0) return results;
        const inserted = await repo.insertTimeEntriesReturning(trx, rows);
        await repo.insertApprovalRecords(
          trx,
          inserted.map((row) => ({
            id: randomUUID(),
            time_entry_id: row.id,
            expense_entry_id: null,
            action: approved ? 'APPROVED' : 'IMPORTED',
            actor_id: actor,
            at: now,
            reason: notes.get(row.id)!,
          })),
        );
        if (approved) {
          const cause = { correlationId: scope.correlationId };
          const events: DomainEvent<unknown>[] = inserted.map((row) =>
            approvedEventOf(approvedEntries, row, { by: actor, at: now, details: details.get(row.id)! }, cause, now),
          );
          events.push(...(await timesheetChangedEvents(trx, inserted, { action: 'APPROVED', actor, cause, now })));
          await appendToOutbox(trx, events);
        }
        return results;
      };
      if (!options.dryRun) return write(scope, 'importTimeEntries', idempotencyKey, request, run);
      const wouldBe = await inRolledBackTransaction(db, run);
      // What a dry run "created" was rolled back: no entry to show.
      return wouldBe.map((result) => (result.outcome === 'CREATED' ? { ...result, id: null } : result));
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
        await recordDeletion(trx, 'TimeEntry', [id], clock.now());
        return id;
      });
    },
  };
}

export type CaptureService = ReturnType<typeof createCaptureService>;

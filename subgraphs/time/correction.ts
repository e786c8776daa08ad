import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { DomainError, notFound } from '../../lib/errors.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { runIdempotent } from '../../lib/idempotency.ts';
import { assertMayCapture } from './access.ts';
import type { Changeable } from './capture.ts';
import { checkReason } from './domain/entry-lifecycle.ts';
import type { ExpenseCorrected, ExpenseSnapshot, ExpenseSubmitted, TimeEntryCorrected, TimeEntrySnapshot, TimeEntrySubmitted } from './events.ts';
import * as repo from './repository.ts';
import type { EntryStatus, TimeDatabase } from './tables.ts';
import type { timesheetChangedEvents } from './timesheet-events.ts';

/** The columns a correction checks on the row it corrects (time_entry and expense_entry have them all). */
type CorrectableRow = { id: string; worker_id: string; date: string; version: number; status: EntryStatus; reversed_at: Date | null };

/** The two events of a correction (events.ts `TimeEntryCorrected` / `ExpenseCorrected`, and the correction's submission). */
type Corrected<Snapshot> = { reversed: Snapshot; correctionId: string; correctedBy: string | null; correctedAt: string; reason: string };
type Submitted<Snapshot> = Snapshot & { submittedAt: string };

/** The payloads published here are exactly the ones consumers import (compile-time check, as in approval.ts). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const payloadsMatchEvents: [
  Same<Corrected<TimeEntrySnapshot>, TimeEntryCorrected>,
  Same<Submitted<TimeEntrySnapshot>, TimeEntrySubmitted>,
  Same<Corrected<ExpenseSnapshot>, ExpenseCorrected>,
  Same<Submitted<ExpenseSnapshot>, ExpenseSubmitted>,
] = [true, true, true, true];
void payloadsMatchEvents;

/**
 * What correcting differs in between time entries and expenses: where the rows are, how a change applies to one and
 * is validated (the subject's capture rules), and what is published. The rest is `correctApproved`'s.
 */
export interface CorrectionSubject<Row extends CorrectableRow, Input, Plan, Snapshot> {
  kind: Changeable;
  table: repo.ApprovalTable;
  /** Its column in approval_record. */
  historyColumn: 'time_entry_id' | 'expense_entry_id';
  /** The idempotency operation. */
  operation: string;
  topics: { corrected: string; submitted: string };
  snapshot(row: Row): Snapshot;
  read(db: Kysely<TimeDatabase>, id: string): Promise<Row | undefined>;
  lock(trx: Transaction<TimeDatabase>, id: string): Promise<Row | undefined>;
  /**
   * BEFORE the transaction: the row as `input` changes it (BAD_USER_INPUT for a bad change), with the facts of other
   * subgraphs its validation needs, loaded in one round trip through the gateway (never inside the transaction).
   */
  plan(row: Row, input: Input): Promise<Plan>;
  /**
   * Inside the transaction: validates the planned row like a new one against current data (also PERIOD_LOCKED when
   * the original's date is in a period closed to the caller) and inserts it as `id`, SUBMITTED, `correction_of` the
   * original. Returns the inserted row.
   */
  insertCorrection(trx: Transaction<TimeDatabase>, scope: RequestScope, original: Row, plan: Plan, correction: { id: string; now: Date }): Promise<Row>;
  /** The events of the groups the reversed row and its correction belong to (a time entry's weeks: timesheet-events.ts). */
  groupEvents?: typeof timesheetChangedEvents;
}

/**
 * Corrects an APPROVED row (DESIGN §1), never in place: the row is reversed (it keeps its status and history, drops out
 * of every total and takes no further action) and a new row linked to it is created with the changes and SUBMITTED;
 * the history gets CORRECTED (on the original) and SUBMITTED (on the correction), both with the reason, and the outbox
 * `<corrected>` (the reversed snapshot) and `<submitted>` (the correction), and the subject's group events (a time
 * entry's weeks), all in one transaction. Its worker, a
 * MANAGER or an ADMIN corrects (`assertMayCapture`). Returns the correction's id.
 *
 * Facts are loaded for the row as it is before the transaction, and nothing is refused yet: a replayed request finds
 * the row already reversed and must still get its first answer. The checks run on the locked row; a row that changed
 * between the read and the lock is CONFLICT (every change bumps the version).
 */
export async function correctApproved<Row extends CorrectableRow, Input, Plan, Snapshot>(
  deps: { db: Kysely<TimeDatabase>; clock: Clock; onCommit: () => void },
  subject: CorrectionSubject<Row, Input, Plan, Snapshot>,
  scope: RequestScope,
  request: { id: string; expectedVersion: number; input: Input; reason: string; idempotencyKey?: string | null },
): Promise<string> {
  const { id, expectedVersion, input } = request;
  const { noun, plural } = subject.kind;
  const why = checkReason(request.reason, 'a correction');
  const actor = scope.identity.workerId;

  const assertCorrectable = (row: Row | undefined): Row => {
    if (!row) throw notFound(subject.kind.typename, id);
    assertMayCapture(scope.identity, row.worker_id);
    if (row.version !== expectedVersion) {
      throw new DomainError('CONFLICT', `${noun} ${id} is at version ${row.version}, not ${expectedVersion}`, { currentVersion: row.version });
    }
    if (row.reversed_at) throw new DomainError('INVALID_TRANSITION', `${noun} ${id} was already corrected: correct its correction instead`);
    if (row.status !== 'APPROVED') {
      throw new DomainError('INVALID_TRANSITION', `${noun} ${id} is ${row.status}: only APPROVED ${plural} are corrected (change a DRAFT or REJECTED one)`);
    }
    return row;
  };

  const current = await subject.read(deps.db, id);
  if (current) assertMayCapture(scope.identity, current.worker_id);
  const planned = current?.status === 'APPROVED' && !current.reversed_at ? { version: current.version, plan: await subject.plan(current, input) } : null;
  const idempotency = { caller: scope.identity, operation: subject.operation, key: request.idempotencyKey, request: { actor, id, expectedVersion, input, reason: why } };
  const correctionId = await runIdempotent(deps.db, idempotency, async (trx) => {
    const original = assertCorrectable(await subject.lock(trx, id));
    if (!planned || planned.version !== original.version) throw new DomainError('CONFLICT', `${noun} ${id} changed while this request ran; retry`);
    const now = deps.clock.now();
    const newId = randomUUID();
    const correction = await subject.insertCorrection(trx, scope, original, planned.plan, { id: newId, now });
    const reversed = (await repo.reverse(trx, subject.table, id, now)) as unknown as Row;
    const record = (subjectId: string, action: 'CORRECTED' | 'SUBMITTED') => ({
      id: randomUUID(),
      time_entry_id: null,
      expense_entry_id: null,
      [subject.historyColumn]: subjectId,
      action,
      actor_id: actor,
      at: now,
      reason: why,
    });
    await repo.insertApprovalRecords(trx, [record(id, 'CORRECTED'), record(newId, 'SUBMITTED')]);
    const at = now.toISOString();
    const cause = { correlationId: scope.correlationId };
    const typename = subject.kind.typename;
    const groups = subject.groupEvents ? await subject.groupEvents(trx, [reversed, correction], { action: 'CORRECTED', actor, cause, now }) : [];
    await appendToOutbox(trx, [
      createEvent<Corrected<Snapshot>>('time', subject.topics.corrected, { typename, id }, {
        reversed: subject.snapshot(reversed),
        correctionId: newId,
        correctedBy: actor,
        correctedAt: at,
        reason: why,
      }, cause, now),
      createEvent<Submitted<Snapshot>>('time', subject.topics.submitted, { typename, id: newId }, { ...subject.snapshot(correction), submittedAt: at }, cause, now),
      ...groups,
    ]);
    return newId;
  });
  deps.onCommit();
  return correctionId;
}

import type { Kysely, Transaction } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { DomainError, badInput } from '../../lib/errors.ts';
import type { DomainEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { runIdempotent } from '../../lib/idempotency.ts';
import { checkText } from '../../lib/validate.ts';
import {
  approvalSubjects,
  approvedEventOf,
  type ApprovalSubject,
  type ApprovedDetails,
  type SubjectRow,
} from './approval.ts';
import type { CaptureOptions } from './capture.ts';
import type { BillRateRule, Money } from './events.ts';
import * as repo from './repository.ts';
import type { TimeDatabase } from './tables.ts';
import type { WorkContext } from './work-context.ts';

/** Most time entries (and, apart, expenses) one call republishes. */
const MAX_IDS = 1000;

export type RepublicationKind = 'TIME_ENTRY' | 'EXPENSE';

/**
 * What a republication did with one time entry or expense:
 * REPUBLISHED a fresh approved event is in the outbox (`eventId`);
 * NOT_FOUND there is no such time entry or expense;
 * NOT_APPROVED it is not APPROVED now: nothing stands to be posted (a later approval publishes its own event);
 * CORRECTED a correction reversed it: erp reversed its postings, and the correction is approved on its own;
 * RATE_NOT_FOUND a billable time entry whose approval event the outbox no longer keeps, and whose bill rate cannot be
 * resolved again on current data: publishing it without one would hold its billing event, so nothing is published.
 */
export type RepublicationOutcome = 'REPUBLISHED' | 'NOT_FOUND' | 'NOT_APPROVED' | 'CORRECTED' | 'RATE_NOT_FOUND';

export interface Republication {
  kind: RepublicationKind;
  id: string;
  outcome: RepublicationOutcome;
  eventId: string | null;
}

/** Per standing approval, read before the transaction: its version then, and what its event adds (null: no rate). */
type Prepared = Map<string, { version: number; details: ApprovedDetails | null }>;

/** What an approved event added to the snapshot, when it has it all (events from before rates were frozen do not). */
function publishedDetails(kind: RepublicationKind, data: Record<string, unknown>): ApprovedDetails | null {
  const correctionOf = (data.correctionOf as string | null | undefined) ?? null;
  if (kind === 'EXPENSE') return { correctionOf };
  return 'billRate' in data
    ? { correctionOf, billRate: data.billRate as Money | null, billRateRule: (data.billRateRule as BillRateRule | null | undefined) ?? null, invoicedExternally: data.invoicedExternally === true }
    : null;
}

/**
 * Publishes approvals again: the repair of an approval event that never reached erp (a bus that lost its data), found
 * by erp's reconciliation (APPROVED_WITHOUT_COST_POSTING) and re-driven from there. The event is the approval's own
 * (`approvedEventOf`) with a new id, built from the row as it stands: erp posts once per source, so a republication
 * fills only what is missing. Rows are locked, so a rejection or cancellation racing it is published after it.
 */
export function createRepublishService(
  deps: { db: Kysely<TimeDatabase>; clock: Clock; onCommit: () => void },
  options: CaptureOptions = {},
) {
  const { db, clock } = deps;
  const subjects = approvalSubjects();

  function workContext(rows: readonly SubjectRow[]): Promise<WorkContext> {
    if (rows.length === 0) return Promise.resolve({ projects: new Map(), workers: new Map() });
    if (!options.workContext) {
      const reason = 'time was built without a WorkContextSource: bill rates cannot be resolved';
      throw new DomainError('INTERNAL_SERVER_ERROR', reason);
    }
    const projectIds = [...new Set(rows.map((r) => r.project_id))];
    return options.workContext.load({ projectIds, workerIds: [...new Set(rows.map((r) => r.worker_id))] });
  }

  function republisher<Row extends SubjectRow, Snapshot>(
    kind: RepublicationKind,
    subject: ApprovalSubject<Row, Snapshot>,
  ) {
    /**
     * Before the transaction (it may read the graph): what each standing approval's event adds. The outbox's copy of
     * the event of the row's version while the outbox keeps it, so a time entry keeps the bill rate frozen at its
     * approval (DESIGN §2); else what approving it now adds, by the approval's own rule on current psa and crm data.
     */
    async function prepare(ids: readonly string[]): Promise<Prepared> {
      if (ids.length === 0) return new Map();
      const rows = (await subject.byIds(db, ids, false)).filter((row) => row.status === 'APPROVED' && !row.reversed_at);
      const versions = new Map(rows.map((row) => [row.id, row.version]));
      const published = new Map<string, ApprovedDetails>();
      // Newest first: the first event of the row's version is its latest publication.
      for (const { subjectId, data } of await repo.outboxEventsAbout(db, subject.topics.approved, [...versions.keys()])) {
        const details = publishedDetails(kind, data);
        if (!details || published.has(subjectId) || data.version !== versions.get(subjectId)) continue;
        published.set(subjectId, details);
      }
      const unpublished = rows.filter((row) => !published.has(row.id));
      const context = await workContext(unpublished.filter((row) => row.billable));
      const approveAgain = (row: Row): ApprovedDetails | null => {
        try {
          return subject.approve(row, context);
        } catch (error) {
          if (error instanceof DomainError && error.code === 'RATE_NOT_FOUND') return null;
          throw error;
        }
      };
      return new Map(
        rows.map((row) => [row.id, { version: row.version, details: published.get(row.id) ?? approveAgain(row) }]),
      );
    }

    /** In the transaction, on the locked rows: one result per id, and the events of those REPUBLISHED. */
    async function republish(
      trx: Transaction<TimeDatabase>,
      scope: RequestScope,
      ids: readonly string[],
      prepared: Prepared,
      now: Date,
    ) {
      const results: Republication[] = [];
      const events: DomainEvent<unknown>[] = [];
      const locked = ids.length > 0 ? await subject.byIds(trx, ids, true) : [];
      const rows = new Map(locked.map((row) => [row.id, row]));
      const report = (id: string, outcome: RepublicationOutcome) => results.push({ kind, id, outcome, eventId: null });
      for (const id of ids) {
        const row = rows.get(id);
        if (!row) {
          report(id, 'NOT_FOUND');
          continue;
        }
        if (row.status !== 'APPROVED' || row.reversed_at) {
          report(id, row.status !== 'APPROVED' ? 'NOT_APPROVED' : 'CORRECTED');
          continue;
        }
        // Approved again between the read and the lock: what was read may be another approval's.
        const ready = prepared.get(id);
        if (!ready || ready.version !== row.version) {
          throw new DomainError('CONFLICT', `${subject.noun} ${id} changed while this request ran; retry`);
        }
        if (!ready.details) {
          report(id, 'RATE_NOT_FOUND');
          continue;
        }
        // decided_at is set by every approval; `now` only guards a row written around the flow.
        const approval = { by: row.decided_by, at: row.decided_at ?? now, details: ready.details };
        const event = approvedEventOf(subject, row, approval, { correlationId: scope.correlationId }, now);
        events.push(event);
        results.push({ kind, id, outcome: 'REPUBLISHED', eventId: event.id });
      }
      return { results, events };
    }

    return { prepare, republish };
  }

  const entries = republisher('TIME_ENTRY', subjects.timeEntry);
  const expenses = republisher('EXPENSE', subjects.expense);

  const checkIds = (field: string, ids: readonly string[]) => {
    if (ids.length > MAX_IDS) throw badInput(field, `at most ${MAX_IDS} per call`);
    return [...new Set(ids.map((id) => checkText(field, id, 100)))];
  };

  return {
    /**
     * Publishes the approval of each named time entry and expense that is APPROVED now, in one transaction; reports
     * the others. FINANCE or ADMIN (erp's service identity acts as FINANCE). Results: time entries, then expenses.
     */
    async republishApprovals(
      scope: RequestScope,
      input: { timeEntryIds?: readonly string[] | null; expenseIds?: readonly string[] | null },
      idempotencyKey?: string | null,
    ): Promise<Republication[]> {
      requireRole(scope.identity, 'FINANCE');
      const timeEntryIds = checkIds('timeEntryIds', input.timeEntryIds ?? []);
      const expenseIds = checkIds('expenseIds', input.expenseIds ?? []);
      if (timeEntryIds.length + expenseIds.length === 0) {
        throw badInput('timeEntryIds', 'name at least one time entry or expense');
      }
      const [entryFacts, expenseFacts] = await Promise.all([entries.prepare(timeEntryIds), expenses.prepare(expenseIds)]);
      const idempotency = { caller: scope.identity, operation: 'republishApprovals', key: idempotencyKey, request: { timeEntryIds, expenseIds } };
      const results = await runIdempotent(db, idempotency, async (trx) => {
        const now = clock.now();
        const done = [
          await entries.republish(trx, scope, timeEntryIds, entryFacts, now),
          await expenses.republish(trx, scope, expenseIds, expenseFacts, now),
        ];
        await appendToOutbox(trx, done.flatMap((part) => part.events));
        return done.flatMap((part) => part.results);
      });
      deps.onCommit();
      return results;
    },
  };
}

export type RepublishService = ReturnType<typeof createRepublishService>;

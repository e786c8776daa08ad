import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import { DomainError, badInput, notFound } from '../../lib/errors.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { callerOf } from '../../lib/auth/identity.ts';
import { committedAnswer, runIdempotent } from '../../lib/idempotency.ts';
import type { Logger } from '../../lib/logger.ts';
import { checkText } from '../../lib/validate.ts';
import type { ApprovalRepublisher, RepublishedApproval, RepublishOutcome } from './approval-republisher.ts';
import {
  reconciliationTypes,
  redriveAdvice,
  redriveSourceOf,
  type RedriveSource,
  type ReconciliationType,
  type SubjectRef,
} from './domain/reconciliation.ts';
import * as q from './reconciliation-queries.ts';
import { financeRoles } from './service.ts';
import type { ErpDatabase, ReconciliationExceptionRow } from './tables.ts';

/** Most exceptions one call names by id. */
const MAX_IDS = 1000;
/** Most records one call of time's republishApprovals takes (its limit per kind; a batch here counts both kinds). */
const BATCH = 1000;
const operation = 'redriveReconciliationExceptions';

/** One re-driven exception: the record whose approval was published again, and what time did. */
export interface RedriveItem {
  exceptionId: string;
  subject: SubjectRef;
  outcome: RepublishOutcome;
  eventId: string | null;
}

export interface RedriveResult {
  items: RedriveItem[];
  /** How many approvals were published again. */
  republished: number;
}

type Selection = { ids: string[]; type: null } | { ids: null; type: ReconciliationType };
type Chosen = { exception: ReconciliationExceptionRow; source: RedriveSource };

const onlyRedrivable =
  'only APPROVED_WITHOUT_COST_POSTING (approvals erp never handled) and MISSING_COST_RATE (approvals handled without a cost rate) exceptions are re-driven';

function checkSelection(args: { ids?: readonly string[] | null; type?: string | null }): Selection {
  if ((args.ids == null) === (args.type == null)) throw badInput('ids', 'name either the exceptions (ids) or a type, not both');
  if (args.ids != null) {
    if (args.ids.length === 0) throw badInput('ids', 'name at least one exception');
    if (args.ids.length > MAX_IDS) throw badInput('ids', `at most ${MAX_IDS} exceptions per call (or re-drive a type)`);
    return { ids: [...new Set(args.ids.map((id) => checkText('ids', id, 100)))], type: null };
  }
  const type = args.type as ReconciliationType;
  if (!reconciliationTypes.includes(type)) throw badInput('type', `unknown ${type}`);
  const advice = redriveAdvice[type];
  if (advice) throw badInput('type', `${type} exceptions are not lost events (${advice}); ${onlyRedrivable}`);
  return { ids: null, type };
}

/** time's key for one batch, from the caller's key and the batch: a retry of the same batch republishes nothing more. */
/** time sees erp's service identity for every caller's redrive: the caller goes into the key, so theirs stay apart. */
const batchKey = (scope: RequestScope, key: string | null, batch: readonly RedriveSource[]) =>
  key ? `erp-redrive:${createHash('sha256').update(JSON.stringify([callerOf(scope.identity), key, batch])).digest('hex')}` : null;

const sourceKey = (source: Pick<RedriveSource, 'kind' | 'id'>) => `${source.kind}:${source.id}`;

/**
 * Re-drives reconciliation's findings (FINANCE/ADMIN): for each chosen open APPROVED_WITHOUT_COST_POSTING exception,
 * time publishes the approval of its time entry or expense again (its republishApprovals, through the gateway), and
 * erp's posting consumer posts what is missing, once per source. The exception stays open until the next run sees
 * the posting. time is asked before erp's transaction (the embedded database has one session, and erp never holds a
 * transaction across a call to the graph); a retry with the same key is answered from erp's stored result, or, when
 * erp failed after time committed, from time's.
 */
export function createRedriveService(deps: { db: Kysely<ErpDatabase>; republisher?: ApprovalRepublisher; logger: Logger }) {
  const { db } = deps;

  /** The exceptions named, each open and re-drivable (else the whole call is refused), or a type's open ones. */
  async function choose(selection: Selection): Promise<Chosen[]> {
    const sourceOf = (exception: ReconciliationExceptionRow) => redriveSourceOf(exception.type, exception.subjects as SubjectRef[]);
    if (selection.type) {
      return (await q.openExceptionsOfType(db, selection.type)).flatMap((exception) => {
        const source = sourceOf(exception);
        return source ? [{ exception, source }] : [];
      });
    }
    const byId = new Map((await q.exceptionsByIds(db, selection.ids)).map((row) => [row.id, row]));
    return selection.ids.map((id) => {
      const exception = byId.get(id);
      if (!exception) throw notFound('ReconciliationException', id);
      if (exception.cleared_at) throw badInput('ids', `exception ${id} was cleared by a later run: nothing to re-drive`);
      const source = sourceOf(exception);
      if (!source) {
        const advice = redriveAdvice[exception.type as ReconciliationType] ?? 'it names no time entry or expense';
        throw badInput('ids', `exception ${id} is ${exception.type}, not a lost event (${advice}); ${onlyRedrivable}`);
      }
      return { exception, source };
    });
  }

  /** Asks time to republish, in batches of its limit; its answers by kind and id. */
  async function republish(sources: readonly RedriveSource[], scope: RequestScope, key: string | null) {
    if (!deps.republisher) {
      throw new DomainError('INTERNAL_SERVER_ERROR', 'erp was built without a graph: it cannot ask time to republish approvals');
    }
    const answers = new Map<string, RepublishedApproval>();
    for (let start = 0; start < sources.length; start += BATCH) {
      const batch = sources.slice(start, start + BATCH);
      const request = {
        timeEntryIds: batch.filter((s) => s.kind === 'TIME_ENTRY').map((s) => s.id),
        expenseIds: batch.filter((s) => s.kind === 'EXPENSE').map((s) => s.id),
      };
      const options = { correlationId: scope.correlationId, idempotencyKey: batchKey(scope, key, batch) };
      for (const answer of await deps.republisher.republish(request, options)) answers.set(sourceKey(answer), answer);
    }
    return answers;
  }

  function itemOf({ exception, source }: Chosen, answers: ReadonlyMap<string, RepublishedApproval>): RedriveItem {
    const answer = answers.get(sourceKey(source));
    if (!answer) throw new DomainError('INTERNAL_SERVER_ERROR', `time did not answer for ${source.kind} ${source.id}`);
    const subject = { typename: source.kind === 'TIME_ENTRY' ? 'TimeEntry' : 'ExpenseEntry', id: source.id };
    return { exceptionId: exception.id, subject, outcome: answer.outcome, eventId: answer.eventId };
  }

  return {
    async redrive(
      scope: RequestScope,
      args: { ids?: readonly string[] | null; type?: string | null },
      idempotencyKey?: string | null,
    ): Promise<RedriveResult> {
      requireRole(scope.identity, ...financeRoles);
      const key = idempotencyKey || null;
      if (key && key.length > 200) throw badInput('idempotencyKey', 'at most 200 characters');
      const selection = checkSelection(args);
      const idempotency = { caller: scope.identity, operation, key, request: selection };
      // A committed key is answered (or refused as reused) before its work runs: time is not asked.
      const previous = await committedAnswer(db, idempotency);
      if (previous) return previous.result as RedriveResult;
      const chosen = await choose(selection);
      const sources = [...new Map(chosen.map(({ source }) => [sourceKey(source), source])).values()];
      const answers = sources.length > 0 ? await republish(sources, scope, key) : new Map<string, RepublishedApproval>();
      const items = chosen.map((one) => itemOf(one, answers));
      const result = { items, republished: items.filter((item) => item.outcome === 'REPUBLISHED').length };
      // time's events carry the request's correlation id but erp's service identity: who asked is logged here.
      deps.logger.info('reconciliation exceptions re-driven', {
        requestedBy: scope.identity.workerId ?? scope.identity.service ?? null,
        correlationId: scope.correlationId,
        exceptions: items.length,
        republished: result.republished,
      });
      return runIdempotent(db, idempotency, async () => result);
    },
  };
}

export type RedriveService = ReturnType<typeof createRedriveService>;

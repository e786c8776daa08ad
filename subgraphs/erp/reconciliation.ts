import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { requireRole, type Identity } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { createEvent, type DomainEvent, type EventCause } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { DomainError } from '../../lib/errors.ts';
import { paginate, type PageArgs, type Ordering } from '../../lib/graphql/connection.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { committedAnswer, runIdempotent, type Idempotency } from '../../lib/idempotency.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  approvalCutoff,
  assignmentOnInactiveWorker,
  closedThrough,
  diffFindings,
  reconciliationTypes,
  type Finding,
  type ReconciliationType,
} from './domain/reconciliation.ts';
import type { ReconciliationFactsSource } from './reconciliation-facts.ts';
import * as q from './reconciliation-queries.ts';
import { financeRoles } from './service.ts';
import type { ErpDatabase, ReconciliationTrigger } from './tables.ts';

export const reconciliationTopics = {
  exceptionFound: 'erp.reconciliation.exception_found',
  exceptionCleared: 'erp.reconciliation.exception_cleared',
} as const;

/** Data of both reconciliation events; subject the ReconciliationException. */
export interface ReconciliationExceptionChanged {
  exceptionId: string;
  type: ReconciliationType;
  subjects: Array<{ typename: string; id: string }>;
  runId: string;
  open: boolean;
}

/** How the job runs (lib/config.ts: RECONCILIATION_INTERVAL_SECONDS, RECONCILIATION_GRACE_MINUTES). */
export interface ReconciliationSettings {
  /** Seconds between scheduled runs; 0: no schedule (on demand only). */
  readonly intervalSeconds: number;
  /** How long after an approval (or a period's end) a cost posting (or an invoice) may still be missing. */
  readonly graceMinutes: number;
}

export const reconciliationOrderings = {
  exception: { columns: ['found_at', 'id'], direction: 'desc' },
  run: { columns: ['started_at', 'id'], direction: 'desc' },
} as const satisfies Record<string, Ordering>;

const leaseName = 'reconciliation';
/** Who runs the schedule: erp itself (it uses no idempotency key, but every write names its caller). */
const scheduler: Identity = { workerId: null, roles: [], service: 'erp.reconciliation' };
/** A lease outlives a stalled runner by this much; the runner renews it as it goes (every page). */
const leaseMs = 60_000;

/**
 * The reconciliation job: compares time, psa and erp and records exceptions (DESIGN §4.6). One runner at a time
 * across every process on the database (a lease row renewed by a heartbeat). What each check reads and why:
 * - APPROVED_WITHOUT_COST_POSTING: time's APPROVED entries and expenses approved before now − grace, paged through
 *   the graph (erp learns of an approval only by its event, so a lost event leaves no trace in erp), each page checked
 *   against erp's live cost postings in one statement;
 * - MISSING_COST_RATE: erp's own record of approved time it handled without a cost rate (`uncosted_time`), in SQL;
 *   such entries are not APPROVED_WITHOUT_COST_POSTING (erp did handle them);
 * - BILLING_EVENT_NOT_INVOICED, INVOICE_TOTAL_MISMATCH: erp's own tables, in SQL (no other subgraph is involved);
 * - ACTIVE_PROJECT_WITHOUT_BILLING_SETUP: psa's ACTIVE projects paged through the graph (erp keeps setups per
 *   contract, not projects), each page against erp's setups;
 * - ASSIGNMENT_ON_INACTIVE_WORKER: psa's assignments with hcm's worker status in one federated query per page (erp
 *   keeps neither).
 * The findings are gathered outside any transaction (the embedded database has one session), then applied in one.
 */
export function createReconciliationService(deps: {
  db: Kysely<ErpDatabase>;
  clock: Clock;
  facts?: ReconciliationFactsSource;
  settings: ReconciliationSettings;
  logger: Logger;
  onCommit: () => void;
}) {
  const { db, clock, settings } = deps;
  const holder = randomUUID();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | null = null;

  async function gather(cause: EventCause, heartbeat: () => Promise<void>): Promise<Finding[]> {
    const facts = deps.facts;
    if (!facts) throw new DomainError('INTERNAL_SERVER_ERROR', 'erp was built without a graph: reconciliation cannot read time and psa');
    const now = clock.now();
    const findings: Finding[] = [];
    const options = { correlationId: cause.correlationId };
    for (const kind of ['TIME_ENTRY', 'EXPENSE'] as const) {
      await facts.eachApproved(kind, approvalCutoff(now, settings.graceMinutes), async (ids) => {
        for (const id of await q.sourcesWithoutCostPosting(db, kind, ids)) {
          const typename = kind === 'TIME_ENTRY' ? 'TimeEntry' : 'ExpenseEntry';
          findings.push({
            type: 'APPROVED_WITHOUT_COST_POSTING',
            subjects: [{ typename, id }],
            detail: `${typename} ${id} is approved since more than ${settings.graceMinutes} min and has no cost posting`,
          });
        }
        await heartbeat();
      }, options);
    }
    findings.push(...(await q.timeWithoutCostRate(db)));
    findings.push(...(await q.billingEventsNotInvoiced(db, closedThrough(now, settings.graceMinutes))));
    findings.push(...(await q.invoiceTotalMismatches(db)));
    await facts.eachActiveProject(async (projects) => {
      const withSetup = await q.contractsWithSetup(db, projects.flatMap((p) => (p.contractId ? [p.contractId] : [])));
      for (const project of projects) {
        if (project.contractId && withSetup.has(project.contractId)) continue;
        findings.push({
          type: 'ACTIVE_PROJECT_WITHOUT_BILLING_SETUP',
          subjects: [{ typename: 'Project', id: project.id }, ...(project.contractId ? [{ typename: 'Contract', id: project.contractId }] : [])],
          detail: project.contractId
            ? `project ${project.id} is ACTIVE but its contract ${project.contractId} has no billing setup`
            : `project ${project.id} is ACTIVE without a contract`,
        });
      }
      await heartbeat();
    }, options);
    const today = isoDate(now);
    await facts.eachAssignment(async (assignments) => {
      for (const assignment of assignments) {
        const finding = assignmentOnInactiveWorker(assignment, today);
        if (finding) findings.push(finding);
      }
      await heartbeat();
    }, options);
    return findings;
  }

  /** Applies a run's findings in one transaction: new exceptions, cleared ones, the run's counts, their events. */
  async function apply(runId: string, findings: readonly Finding[], cause: EventCause, idempotency: Idempotency) {
    return runIdempotent(db, idempotency, async (trx) => {
      const now = clock.now();
      const { added, cleared, standing } = diffFindings(await q.openExceptions(trx), findings);
      const events: DomainEvent<unknown>[] = [];
      const announce = (id: string, type: string, subjects: ReconciliationExceptionChanged['subjects'], open: boolean) =>
        events.push(
          createEvent<ReconciliationExceptionChanged>('erp', open ? reconciliationTopics.exceptionFound : reconciliationTopics.exceptionCleared,
            { typename: 'ReconciliationException', id }, { exceptionId: id, type: type as ReconciliationType, subjects, runId, open }, cause, now),
        );
      for (const finding of added) {
        const id = randomUUID();
        await trx
          .insertInto('reconciliation_exception')
          .values({ id, type: finding.type, key: finding.key, subjects: JSON.stringify(finding.subjects), detail: finding.detail, found_at: now, found_run_id: runId, cleared_at: null, cleared_run_id: null })
          .execute();
        announce(id, finding.type, [...finding.subjects], true);
      }
      if (cleared.length > 0) {
        const rows = await trx
          .updateTable('reconciliation_exception')
          .set({ cleared_at: now, cleared_run_id: runId })
          .where('id', 'in', cleared.map((e) => e.id))
          .returning(['id', 'type', 'subjects'])
          .execute();
        for (const row of rows) announce(row.id, row.type, row.subjects as ReconciliationExceptionChanged['subjects'], false);
      }
      await trx
        .updateTable('reconciliation_run')
        .set({ status: 'COMPLETED', finished_at: now, found: added.length, cleared: cleared.length, open: standing + added.length })
        .where('id', '=', runId)
        .execute();
      await appendToOutbox(trx, events);
      return runId;
    });
  }

  /** One run: the lease (CONFLICT when another runner holds it), the checks, the result; the run row says how it ended. */
  async function run(trigger: ReconciliationTrigger, requestedBy: string | null, cause: EventCause, idempotency: Idempotency): Promise<string> {
    const startedAt = clock.now();
    if (!(await q.claimLease(db, leaseName, holder, startedAt, new Date(startedAt.getTime() + leaseMs)))) {
      throw new DomainError('CONFLICT', 'a reconciliation run is in progress (another runner holds the lease); try again when it ends');
    }
    const runId = randomUUID();
    try {
      await q.insertRun(db, { id: runId, trigger, requestedBy, startedAt });
      let renewed = startedAt.getTime();
      const heartbeat = async () => {
        const now = clock.now();
        if (now.getTime() - renewed < leaseMs / 3) return;
        if (!(await q.claimLease(db, leaseName, holder, now, new Date(now.getTime() + leaseMs)))) {
          throw new DomainError('CONFLICT', 'the reconciliation lease was lost to another runner');
        }
        renewed = now.getTime();
      };
      const findings = await gather(cause, heartbeat);
      const result = await apply(runId, findings, cause, idempotency);
      deps.onCommit();
      return result;
    } catch (error) {
      await db
        .updateTable('reconciliation_run')
        .set({ status: 'FAILED', finished_at: clock.now(), error: String((error as Error).message).slice(0, 1000) })
        .where('id', '=', runId)
        .where('status', '=', 'RUNNING')
        .execute()
        .catch(() => undefined);
      throw error;
    } finally {
      await q.releaseLease(db, leaseName, holder, clock.now()).catch(() => undefined);
    }
  }

  const runOf = (caller: Identity, key: string | null | undefined): Idempotency => ({ caller, operation: 'runReconciliation', key, request: {} });

  return {
    /** On demand (FINANCE/ADMIN): runs now and returns the run's id. */
    async runReconciliation(scope: RequestScope, idempotencyKey?: string | null): Promise<string> {
      requireRole(scope.identity, ...financeRoles);
      const idempotency = runOf(scope.identity, idempotencyKey);
      // A replayed key answers the first run without running again (nothing is read from the graph).
      const previous = await committedAnswer(db, idempotency);
      if (previous) return previous.result as string;
      return run('ON_DEMAND', scope.identity.workerId ?? scope.identity.service ?? null, scope, idempotency);
    },

    /** Starts the schedule (every `intervalSeconds`; none when 0). A tick while another runner holds the lease skips. */
    start() {
      if (settings.intervalSeconds <= 0 || timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = run('SCHEDULED', null, { correlationId: randomUUID() }, runOf(scheduler, null))
          .catch((error) => {
            if (!(error instanceof DomainError && error.code === 'CONFLICT')) deps.logger.error('scheduled reconciliation failed', { error });
          })
          .finally(() => (running = null));
      }, settings.intervalSeconds * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },

    exceptions(scope: RequestScope, args: PageArgs & { withTotal: boolean; filter?: { type?: string | null; open?: boolean | null; ids?: readonly string[] | null } | null }) {
      requireRole(scope.identity, ...financeRoles);
      const filter = args.filter ?? {};
      if (filter.type && !(reconciliationTypes as readonly string[]).includes(filter.type)) throw new DomainError('BAD_USER_INPUT', `type: unknown ${filter.type}`);
      return paginate(q.exceptionsQuery(db, filter), reconciliationOrderings.exception, args, args);
    },
    runs(scope: RequestScope, args: PageArgs & { withTotal: boolean }) {
      requireRole(scope.identity, ...financeRoles);
      return paginate(q.runsQuery(db), reconciliationOrderings.run, args, args);
    },
    /** FORBIDDEN unless FINANCE or ADMIN (references load through the per-request loaders after this). */
    assertMayRead(scope: RequestScope) {
      requireRole(scope.identity, ...financeRoles);
    },
    async exception(scope: RequestScope, id: string) {
      requireRole(scope.identity, ...financeRoles);
      return (await q.exceptionsByIds(db, [id]))[0] ?? null;
    },
    async runById(scope: RequestScope, id: string) {
      requireRole(scope.identity, ...financeRoles);
      return (await q.runsByIds(db, [id]))[0] ?? null;
    },
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;

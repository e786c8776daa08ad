import type { Kysely } from 'kysely';
import { hasRole } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { DomainError, forbidden, notFound } from '../../lib/errors.ts';
import { paginate, type Connection, type PageArgs } from '../../lib/graphql/connection.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { checkText } from '../../lib/validate.ts';
import type { CaptureOptions } from './capture.ts';
import { approvalFlags, type ApprovalFlag } from './domain/approval-flags.ts';
import { overtimeCalendars } from './domain/overtime.ts';
import { addDays } from './domain/iso-week.ts';
import { orderings, weekKey } from './loaders.ts';
import type { PayrollOptions } from './payroll.ts';
import * as repo from './repository.ts';
import type { TimeDatabase } from './tables.ts';

/** One week awaiting its approver: totals of its SUBMITTED entries and what to look at (domain/approval-flags.ts). */
export interface PendingWeek {
  workerId: string;
  weekStart: string;
  submittedHours: string;
  submittedBillableHours: string;
  submittedEntries: number;
  oldestSubmittedAt: Date;
  flags: ApprovalFlag[];
}

export interface ApprovalQueueArgs extends PageArgs {
  managerId?: string | null;
  withTotal: boolean;
}

/**
 * A manager's approval queue (DESIGN §4.3): the weeks with SUBMITTED entries of their direct reports (hcm) and of the
 * managers who delegated their approvals to them for today, oldest week first. Per page: one aggregate statement, one
 * statement for the page's entries, and two requests to the graph (psa/crm facts and hcm calendars), in parallel.
 */
export function createApprovalQueue(deps: { db: Kysely<TimeDatabase>; clock: Clock }, options: CaptureOptions & PayrollOptions = {}) {
  const { db, clock } = deps;

  function sources() {
    if (!options.workContext || !options.payrollContext) {
      throw new DomainError('INTERNAL_SERVER_ERROR', 'the approval queue is not configured: the time subgraph was built without its graph sources');
    }
    return { work: options.workContext, calendars: options.payrollContext };
  }

  /** Whose approvals the queue holds: the named manager's (themself or an ADMIN asking), else the caller's and their delegators'. */
  async function managersOf(scope: RequestScope, managerId: string | null, today: string): Promise<string[]> {
    const self = scope.identity.workerId;
    if (managerId) {
      if (managerId !== self && !hasRole(scope.identity, 'ADMIN')) throw forbidden("only an ADMIN reads another manager's approval queue");
      return [managerId, ...(managerId === self ? await repo.delegatorsOf(db, managerId, today) : [])];
    }
    if (!self) throw forbidden('the caller is not a worker: name the manager');
    return [...(hasRole(scope.identity, 'MANAGER', 'ADMIN') ? [self] : []), ...(await repo.delegatorsOf(db, self, today))];
  }

  return {
    async approvalQueue(scope: RequestScope, args: ApprovalQueueArgs): Promise<Connection<PendingWeek>> {
      const { work, calendars } = sources();
      const today = isoDate(clock.now());
      const managers = await managersOf(scope, args.managerId ? checkText('managerId', args.managerId, 100) : null, today);
      const reports = new Set<string>();
      const reportsOf = managers.length > 0 ? await work.directReports(managers) : new Map<string, string[]>();
      if (args.managerId && !reportsOf.has(args.managerId)) throw notFound('Worker', args.managerId);
      for (const ids of reportsOf.values()) for (const id of ids) reports.add(id);
      // Nobody approves their own time, even a manager who reports to a delegator.
      if (scope.identity.workerId) reports.delete(scope.identity.workerId);
      const page = await paginate(repo.pendingWeeksQuery(db, [...reports]), orderings.pendingWeek, args, args);
      if (page.nodes.length === 0) return { ...page, edges: [], nodes: [] };
      const weeks = page.nodes.map((row) => ({ workerId: row.worker_id, weekStart: row.week_start }));
      const entries = await repo.liveEntriesOfWeeks(db, weeks);
      const workerIds = [...new Set(weeks.map((w) => w.workerId))];
      const starts = weeks.map((w) => w.weekStart).sort();
      const [context, calendarsOf] = await Promise.all([
        work.load({ projectIds: [...new Set(entries.filter((e) => e.status === 'SUBMITTED').map((e) => e.project_id))], workerIds }),
        calendars.calendars({ workerIds, from: starts[0], to: addDays(starts[starts.length - 1], 6) }),
      ]);
      const entriesOfWeek = new Map<string, typeof entries>();
      for (const entry of entries) {
        const key = weekKey(entry.worker_id, entry.week_start);
        const week = entriesOfWeek.get(key);
        if (week) week.push(entry);
        else entriesOfWeek.set(key, [entry]);
      }
      const pending = new Map(
        page.nodes.map((row) => {
          const calendar = calendarsOf.get(row.worker_id) ?? null;
          const flags = approvalFlags(
            (entriesOfWeek.get(weekKey(row.worker_id, row.week_start)) ?? []).map((e) => ({
                id: e.id,
                status: e.status,
                projectId: e.project_id,
                assignmentId: e.assignment_id,
                roleId: e.role_id,
                date: e.date,
                hours: e.hours,
                billable: e.billable,
                correctionOf: e.correction_of,
              })),
            { calendar: calendar && overtimeCalendars(calendar), projects: context.projects },
          );
          const week: PendingWeek = {
            workerId: row.worker_id,
            weekStart: row.week_start,
            submittedHours: row.submitted_hours,
            submittedBillableHours: row.submitted_billable_hours,
            submittedEntries: row.submitted_entries,
            oldestSubmittedAt: row.oldest_submitted_at,
            flags,
          };
          return [weekKey(row.worker_id, row.week_start), week] as const;
        }),
      );
      const weekOf = (row: { worker_id: string; week_start: string }) => pending.get(weekKey(row.worker_id, row.week_start))!;
      return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: weekOf(edge.node) })), nodes: page.nodes.map(weekOf) };
    },
  };
}

export type ApprovalQueue = ReturnType<typeof createApprovalQueue>;

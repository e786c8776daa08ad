import type { Kysely } from 'kysely';
import { requireRole } from '../../lib/auth/identity.ts';
import { DomainError, badInput } from '../../lib/errors.ts';
import { paginate, type Connection, type PageArgs } from '../../lib/graphql/connection.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { checkDate, checkDateRange, checkText } from '../../lib/validate.ts';
import { overtimeCalendars, splitWorkerDays, totalsWithin, type DaySplit } from './domain/overtime.ts';
import { addDays, weekEndOf, weekStartOf } from './domain/iso-week.ts';
import { orderings } from './loaders.ts';
import * as repo from './repository.ts';
import type { TimeDatabase } from './tables.ts';
import type { PayrollContextSource } from './work-context.ts';

/** Longest pay period one question may span. */
export const MAX_PAYROLL_DAYS = 366;
/** Most workers one question may name. */
const MAX_WORKER_IDS = 10_000;

export interface PayrollOptions {
  /** Where the feed gets workers' calendars and a legal entity's workers (hcm, through the gateway). */
  payrollContext?: PayrollContextSource;
}

export interface PayrollHoursArgs extends PageArgs {
  from: string;
  to: string;
  legalEntityId?: string | null;
  workerIds?: readonly string[] | null;
  withTotal: boolean;
}

/** One worker's approved hours in a pay period; `days` are the period's days with hours. */
export interface WorkerPayPeriod {
  workerId: string;
  periodStart: string;
  periodEnd: string;
  regularHours: string;
  overtimeHours: string;
  totalHours: string;
  days: DaySplit[];
}

/**
 * The payroll feed (issue 3): approved hours per worker per pay period, regular and overtime by the rules of
 * domain/overtime.ts. Per page of workers: one GROUP BY of their hours per day over the whole ISO weeks the period
 * touches (a week cut by the period is split as a whole), and one request to hcm for their calendars. Reads only, so
 * the gateway is called outside any transaction.
 */
export function createPayrollQueries(db: Kysely<TimeDatabase>, options: PayrollOptions = {}) {
  function source(): PayrollContextSource {
    if (!options.payrollContext) {
      throw new DomainError('INTERNAL_SERVER_ERROR', 'the payroll feed is not configured: the time subgraph was built without a PayrollContextSource');
    }
    return options.payrollContext;
  }

  /** The workers the question is limited to, or null for every worker. */
  async function workerScope(args: PayrollHoursArgs): Promise<string[] | null> {
    let ids: string[] | null = null;
    if (args.workerIds) {
      if (args.workerIds.length > MAX_WORKER_IDS) throw badInput('workerIds', `at most ${MAX_WORKER_IDS} workers`);
      ids = [...new Set(args.workerIds.map((id) => checkText('workerIds', id, 100)))];
    }
    if (args.legalEntityId) {
      const ofEntity = await source().workerIdsOfLegalEntity(checkText('legalEntityId', args.legalEntityId, 100));
      if (ids === null) return ofEntity;
      const named = new Set(ids);
      return ofEntity.filter((id) => named.has(id));
    }
    return ids;
  }

  return {
    async payrollHours(scope: RequestScope, args: PayrollHoursArgs): Promise<Connection<WorkerPayPeriod>> {
      requireRole(scope.identity, 'FINANCE');
      const from = checkDate('from', args.from);
      const to = checkDate('to', args.to);
      checkDateRange('from', from, 'to', to);
      if (to > addDays(from, MAX_PAYROLL_DAYS - 1)) throw badInput('to', `a pay period spans at most ${MAX_PAYROLL_DAYS} days`);
      source();
      const workerIds = await workerScope(args);
      const page = await paginate(repo.payrollWorkersQuery(db, { from, to, workerIds }), orderings.payrollLine, args, args);
      const pageIds = page.nodes.map((row) => row.worker_id);
      if (pageIds.length === 0) return { ...page, edges: [], nodes: [] };
      const weeksFrom = weekStartOf(from);
      const weeksTo = weekEndOf(to);
      const [calendars, hours] = await Promise.all([
        source().calendars({ workerIds: pageIds, from: weeksFrom, to: weeksTo }),
        repo.approvedHoursPerDay(db, pageIds, weeksFrom, weeksTo),
      ]);
      const daysOf = new Map<string, Array<{ date: string; hours: string }>>(pageIds.map((id) => [id, []]));
      for (const row of hours) daysOf.get(row.worker_id)!.push({ date: row.date, hours: row.hours });
      const lines = new Map(
        pageIds.map((workerId) => {
          const calendar = calendars.get(workerId);
          if (!calendar) throw new DomainError('NOT_FOUND', `worker ${workerId} has approved time but hcm does not know them`, { typename: 'Worker', id: workerId });
          const splits = splitWorkerDays(overtimeCalendars(calendar), daysOf.get(workerId)!);
          const totals = totalsWithin(splits, from, to);
          const line: WorkerPayPeriod = {
            workerId,
            periodStart: from,
            periodEnd: to,
            regularHours: totals.regular,
            overtimeHours: totals.overtime,
            totalHours: totals.total,
            days: splits.filter((split) => split.date >= from && split.date <= to),
          };
          return [workerId, line] as const;
        }),
      );
      return {
        ...page,
        edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: lines.get(edge.node.worker_id)! })),
        nodes: page.nodes.map((row) => lines.get(row.worker_id)!),
      };
    },
  };
}

export type PayrollQueries = ReturnType<typeof createPayrollQueries>;

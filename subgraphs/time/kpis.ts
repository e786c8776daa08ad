import type { Kysely } from 'kysely';
import { periodHolding, periodsWithin, type CalendarPeriod, type PeriodRange } from '../../lib/calendar-periods.ts';
import { paceSteps } from '../../lib/cooperative.ts';
import { runAsBatch } from '../../lib/db/workload.ts';
import { DomainError, badInput } from '../../lib/errors.ts';
import { kpiFilterFields, type KpiFilter } from '../../lib/kpi-question.ts';
import { paginateSorted, type Connection, type PageArgs } from '../../lib/graphql/connection.ts';
import { checkDate, checkDateRange, checkText } from '../../lib/validate.ts';
import { visibleWorkerIds } from './access.ts';
import { addDays } from './domain/iso-week.ts';
import { groupsByWork, spansByWorker, type KpiDimension } from './domain/kpi-groups.ts';
import { isSubmittedWeek, rollUpCompliance, weeksOfRange, type ComplianceRow, type MissingWeek } from './domain/timesheet-compliance.ts';
import { utilizationSteps, type HoursCell, type UtilizationRow } from './domain/utilization.ts';
import * as kpiRepo from './kpi-repository.ts';
import { weekKey } from './loaders.ts';
import type { QueryScope } from './service.ts';
import type { TimeDatabase } from './tables.ts';
import type { PayrollContextSource, WorkContextSource, WorkforceFilter } from './work-context.ts';

/** Longest range one KPI question may span: two years. */
export const MAX_KPI_DAYS = 731;
/** Most ids one filter list may name. */
const MAX_FILTER_IDS = 10_000;
/** Most rows one answer may hold: narrow the range, the period or the grouping beyond it. */
export const MAX_KPI_ROWS = 200_000;

export interface KpiArgs {
  from: string;
  to: string;
  groupBy: readonly KpiDimension[];
  period?: CalendarPeriod | null;
  filter?: KpiFilter | null;
}

export interface KpiSources {
  /** hcm: the workers, their current groups, targets and capacity. */
  payrollContext?: PayrollContextSource;
  /** psa: a project's customer. */
  workContext?: WorkContextSource;
}

/** The question's dates, periods and filter, checked (BAD_USER_INPUT naming the argument). */
function checkQuestion(args: KpiArgs) {
  const from = checkDate('from', args.from);
  const to = checkDate('to', args.to);
  checkDateRange('from', from, 'to', to);
  if (to > addDays(from, MAX_KPI_DAYS - 1)) throw badInput('to', `a KPI question spans at most ${MAX_KPI_DAYS} days`);
  const filter: Record<keyof KpiFilter, string[] | null> = Object.fromEntries(
    kpiFilterFields.map((name) => {
      const ids = args.filter?.[name];
      if (ids == null) return [name, null];
      if (ids.length > MAX_FILTER_IDS) throw badInput(`filter.${name}`, `at most ${MAX_FILTER_IDS} ids`);
      return [name, [...new Set(ids.map((id) => checkText(`filter.${name}`, id, 100)))]];
    }),
  ) as never;
  const period = args.period ?? null;
  const periods: PeriodRange[] = period ? periodsWithin(from, to, period) : [{ start: from, end: to }];
  return { from, to, period, periods, dimensions: [...new Set(args.groupBy)], filter };
}

/**
 * The KPIs that come from time (issue 6 §4): utilization and timesheet compliance. Per question: one GROUP BY in
 * time's database, one request to hcm per page of 500 workers (their groups, targets and capacity per period) and,
 * grouped or filtered by customer, one request to psa for the projects' customers. Reads only, outside any
 * transaction (the gateway is called while time holds nothing).
 */
export function createKpiQueries(db: Kysely<TimeDatabase>, sources: KpiSources = {}) {
  function hcm(): PayrollContextSource {
    if (!sources.payrollContext) throw new DomainError('INTERNAL_SERVER_ERROR', 'the KPIs are not configured: time was built without a PayrollContextSource');
    return sources.payrollContext;
  }
  function psa(): WorkContextSource {
    if (!sources.workContext) throw new DomainError('INTERNAL_SERVER_ERROR', 'the KPIs are not configured: time was built without a WorkContextSource');
    return sources.workContext;
  }

  /** Who the question covers: the caller's visibility narrows it (access.ts), naming someone unseen is FORBIDDEN. */
  async function workforceFilter(scope: QueryScope, filter: ReturnType<typeof checkQuestion>['filter']): Promise<WorkforceFilter> {
    return {
      workerIds: visibleWorkerIds(await scope.visibility(), filter.workerIds),
      roleIds: filter.roleIds,
      costCenterIds: filter.costCenterIds,
      legalEntityIds: filter.legalEntityIds,
    };
  }

  /** Compliance's question: ISO weeks whole, capacity per week, and which weeks were submitted. */
  async function compliance(scope: QueryScope, args: KpiArgs): Promise<{ rows: ComplianceRow[]; missing: MissingWeek[] }> {
    const question = checkQuestion(args);
    if (question.period === 'DAY') throw badInput('period', 'timesheet compliance is counted in ISO weeks: use WEEK or MONTH');
    for (const dimension of question.dimensions) {
      if (groupsByWork(new Set([dimension]))) throw badInput('groupBy', `timesheet compliance is about workers' weeks, not ${dimension}`);
    }
    if (question.filter.customerIds || question.filter.projectIds) throw badInput('filter', 'timesheet compliance filters workers, not customers or projects');
    const weeks = weeksOfRange(question.from, question.to);
    if (weeks.length === 0) return { rows: [], missing: [] };
    const fromWeekStart = weeks[0];
    const toWeekEnd = addDays(weeks.at(-1)!, 6);
    const filter = await workforceFilter(scope, question.filter);
    const [members, weekRows] = await Promise.all([
      hcm().workforce({ filter, from: fromWeekStart, to: toWeekEnd, period: 'WEEK' }),
      runAsBatch(() => kpiRepo.weeksWithEntries(db, { fromWeekStart, toWeekEnd, workerIds: filter.workerIds })),
    ]);
    const submitted = new Set(
      weekRows
        .filter((row) => isSubmittedWeek({ DRAFT: row.draft_count, SUBMITTED: row.submitted_count, APPROVED: row.approved_count, REJECTED: row.rejected_count }))
        .map((row) => weekKey(row.worker_id, row.week_start)),
    );
    return rollUpCompliance({ weeks, periods: question.periods, dimensions: question.dimensions, members, submitted });
  }

  return {
    async utilization(scope: QueryScope, args: KpiArgs): Promise<UtilizationRow[]> {
      const question = checkQuestion(args);
      const { filter } = question;
      hcm();
      const workers = await workforceFilter(scope, filter);
      const byCustomer = question.dimensions.includes('CUSTOMER') || filter.customerIds !== null;
      // Analytics: batch work (lib/db/workload.ts), behind requests on PGlite's session, in the batch pool on PostgreSQL.
      const hoursOf = (period: CalendarPeriod | null, workerIds: readonly string[] | null) =>
        runAsBatch(() => kpiRepo.approvedHoursByPeriod(db, {
          from: question.from,
          to: question.to,
          period,
          byProject: groupsByWork(new Set(question.dimensions)) || byCustomer,
          workerIds,
          projectIds: filter.projectIds,
        }));
      const [members, byPeriod] = await Promise.all([
        hcm().workforce({ filter: workers, from: question.from, to: question.to, period: question.period }),
        hoursOf(question.period, workers.workerIds),
      ]);
      // Workers whose role, cost center or legal entity changed within the range: their hours by day, so each day's
      // hours go to the values in effect that day (one more GROUP BY, for those workers only).
      const moved = new Set([...spansByWorker(members)].filter(([, spans]) => spans.length > 1).map(([workerId]) => workerId));
      const daily = moved.size > 0 ? await hoursOf('DAY', [...moved]) : [];
      const periodOfDay = (day: string) => periodHolding(question.periods, day)!.start;
      const hours = [
        ...byPeriod.filter((row) => !moved.has(row.worker_id)).map((row) => ({ ...row, date: undefined })),
        ...daily.map((row) => ({ ...row, period_start: periodOfDay(row.period_start), date: row.period_start })),
      ];
      const customers = byCustomer ? await psa().customersOfProjects([...new Set(hours.map((row) => row.project_id!))]) : new Map<string, string>();
      const cells: HoursCell[] = [];
      for (const row of hours) {
        const customerId = row.project_id ? (customers.get(row.project_id) ?? null) : null;
        if (filter.customerIds && (customerId === null || !filter.customerIds.includes(customerId))) continue;
        cells.push({
          workerId: row.worker_id,
          projectId: row.project_id,
          customerId,
          periodStart: row.period_start,
          date: row.date,
          billableHours: row.billable_hours,
          nonBillableHours: row.non_billable_hours,
        });
      }
      const rows = await paceSteps(utilizationSteps({
        periods: question.periods,
        dimensions: question.dimensions,
        members,
        cells,
        workFiltered: filter.projectIds !== null || filter.customerIds !== null,
      }));
      if (rows.length > MAX_KPI_ROWS) throw badInput('period', `the answer would hold ${rows.length} rows (at most ${MAX_KPI_ROWS}): narrow the range, period or grouping`);
      return rows;
    },

    async timesheetCompliance(scope: QueryScope, args: KpiArgs): Promise<ComplianceRow[]> {
      return (await compliance(scope, args)).rows;
    },

    async missingTimesheets(scope: QueryScope, args: Omit<KpiArgs, 'groupBy' | 'period'> & PageArgs): Promise<Connection<MissingWeek>> {
      const { missing } = await compliance(scope, { ...args, groupBy: [], period: null });
      return paginateSorted(missing, { columns: ['weekStart', 'workerId'], direction: 'asc' }, args);
    },
  };
}

export type KpiQueries = ReturnType<typeof createKpiQueries>;

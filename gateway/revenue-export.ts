import type { ApolloServer } from '@apollo/server';
import { periodsWithin, type CalendarPeriod, type PeriodRange } from '../lib/calendar-periods.ts';
import { DomainError } from '../lib/errors.ts';
import type { GatewayContext } from './context.ts';
import { dateParameter, dateTimeParameter, enumParameter, idParameter, runAsCaller, type ExportPlan, type ExportRow } from './export-stream.ts';
import { ExportError } from './payroll-export.ts';

/** The columns of the revenue export, in order. */
export const revenueColumns = [
  'period_start', 'period_end', 'contract_id', 'contract_number', 'project_id', 'project_code', 'customer_id', 'customer_code',
  'legal_entity_id', 'method', 'amount', 'currency', 'hours',
] as const;

const revenueQuery = `query RevenueExport($from: Date!, $to: Date!, $period: CalendarPeriod, $filter: RevenueFilter) {
  revenueSchedule(from: $from, to: $to, period: $period, filter: $filter) {
    periodStart periodEnd contract { id number } project { id code } customer { id code } legalEntity { id } method amount { amount currency } hours
  }
}`;

interface RevenueNode {
  periodStart: string; periodEnd: string; contract: { id: string; number: string | null }; project: { id: string; code: string | null } | null;
  customer: { id: string; code: string | null }; legalEntity: { id: string }; method: string; amount: { amount: string; currency: string }; hours: string;
}

const rowOf = (row: RevenueNode): ExportRow => ({
  period_start: row.periodStart, period_end: row.periodEnd, contract_id: row.contract.id, contract_number: row.contract.number,
  project_id: row.project?.id ?? null, project_code: row.project?.code ?? null, customer_id: row.customer.id, customer_code: row.customer.code,
  legal_entity_id: row.legalEntity.id, method: row.method, amount: row.amount.amount, currency: row.amount.currency, hours: row.hours,
});

/**
 * Periods asked of the graph at once. The schedule is computed, not stored, and not paged: the export asks it a slice
 * of whole periods at a time (a month, five weeks, a month of days), so each answer — one row per contract, project,
 * method and currency of the slice — is what memory holds, and the rows are those of one question over the range.
 */
const periodsPerSlice: Record<CalendarPeriod, number> = { MONTH: 1, WEEK: 5, DAY: 31 };

/**
 * `GET /exports/revenue[.csv|.jsonl]?from=&to=`: erp's revenue schedule (`revenueSchedule`: recognized revenue per
 * period, contract, project, method and currency), FINANCE and ADMIN (403 FORBIDDEN otherwise). Query parameters:
 * `from`, `to` (required), `period` (DAY, WEEK, MONTH — the default), `contractId`, `projectId`, `customerId`,
 * `legalEntityId`, and `updatedAfter`: only the contracts whose revenue may have changed since (a billing event or
 * drawdown of theirs written or changed), their rows whole for the range — replace what you hold of those contracts.
 */
export function revenueExport(apollo: ApolloServer<GatewayContext>, context: GatewayContext, search: URLSearchParams): ExportPlan<RevenueNode> {
  const from = dateParameter(search, 'from', true)!;
  const to = dateParameter(search, 'to', true)!;
  const period = (enumParameter(search, 'period', ['DAY', 'WEEK', 'MONTH']) ?? 'MONTH') as CalendarPeriod;
  const id = (name: string) => idParameter(search, name);
  const filter = {
    contractIds: id('contractId') ? [id('contractId')] : null,
    projectIds: id('projectId') ? [id('projectId')] : null,
    customerIds: id('customerId') ? [id('customerId')] : null,
    legalEntityIds: id('legalEntityId') ? [id('legalEntityId')] : null,
    updatedAfter: dateTimeParameter(search, 'updatedAfter'),
  };
  let periods: PeriodRange[];
  try {
    periods = periodsWithin(from, to, period);
  } catch (error) {
    if (error instanceof DomainError) throw new ExportError(error.code, error.message);
    throw error;
  }
  const size = periodsPerSlice[period];
  const slices = Array.from({ length: Math.ceil(periods.length / size) }, (_, index) => periods.slice(index * size, (index + 1) * size));
  return {
    filename: `revenue-${from}-${to}`,
    columns: revenueColumns,
    async fetchPage(after) {
      const index = after === null ? 0 : Number(after);
      const slice = slices[index];
      const { revenueSchedule } = await runAsCaller<{ revenueSchedule: RevenueNode[] }>(apollo, context, revenueQuery, {
        from: slice[0].start, to: slice.at(-1)!.end, period, filter,
      });
      const more = index + 1 < slices.length;
      return { nodes: revenueSchedule, pageInfo: { hasNextPage: more, endCursor: more ? String(index + 1) : null } };
    },
    rowsOf: (row) => [rowOf(row)],
  };
}

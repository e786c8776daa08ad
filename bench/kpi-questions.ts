/** The BI questions the KPI benchmarks ask, shared by `bench:utilization` and `bench:month-end`. */

/** The 12 calendar months before the current one. */
export function lastTwelveMonths(now = new Date()): { from: string; to: string } {
  return {
    from: new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1)).toISOString().slice(0, 10),
    to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0)).toISOString().slice(0, 10),
  };
}

/** Utilization over `$from`…`$to` grouped by `groupBy`, one row per group and `period`. */
export const utilizationQuery = (groupBy: string, period: 'DAY' | 'WEEK' | 'MONTH') => `query($from: Date!, $to: Date!) {
  rows: utilization(from: $from, to: $to, groupBy: [${groupBy}], period: ${period}) {
    worker { id } costCenter { id } periodStart billableHours nonBillableHours capacityHours utilization targetUtilization
  }
}`;

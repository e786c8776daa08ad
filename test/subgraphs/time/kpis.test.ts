import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '../../../lib/auth/identity.ts';
import { periodsWithin } from '../../../lib/calendar-periods.ts';
import type { Clock } from '../../../lib/clock.ts';
import { timeSubgraph, type TimeDatabase } from '../../../subgraphs/time/index.ts';
import { createTimeSubgraph } from '../../../subgraphs/time/server.ts';
import type { PayrollContextSource, WorkContextSource } from '../../../subgraphs/time/work-context.ts';
import { admin, dataOf, startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { P, W, ana, bulkEntries, directReports, handEntries, manager, tinyFirm } from './fixture.ts';

/**
 * The time side of the KPIs on a real database with fake hcm/psa sources: the SQL buckets approved hours by day,
 * ISO week, month or the whole range (the first period clipped to `from`), leaves out every status but APPROVED and
 * every reversed entry, asks hcm once and psa once, and costs a fixed number of statements.
 * Fixture hours (approved): ana 8.00 (Mon 16 Nov) + 7.50 (Tue 17 Nov) on alpha; ben 8.00 (Mon 23 Nov) on alpha and
 * 3.30 (Tue 24 Nov) on beta; ana's 2.25 SUBMITTED, 4.00 DRAFT and ben's 6.00 REJECTED never count.
 */
const clock: Clock = { now: () => new Date('2026-11-27T12:00:00Z') };
/** Every fake worker works 8 h on weekdays; consultants target 75, dan has his own 90. */
const capacityOf = (from: string, to: string) => {
  let weekdays = 0;
  for (let day = new Date(`${from}T00:00:00Z`); day <= new Date(`${to}T00:00:00Z`); day.setUTCDate(day.getUTCDate() + 1)) if (day.getUTCDay() % 6 !== 0) weekdays++;
  return `${weekdays * 8}.00`;
};
const costCenterOf: Record<string, string> = { [W.ana]: 'cc-a', [W.ben]: 'cc-a', [W.dan]: 'cc-b', [W.eve]: 'cc-b', [W.mia]: 'cc-m' };

describe('time KPIs on the subgraph', () => {
  let time: SubgraphHarness<TimeDatabase>;
  const asked = { workforce: [] as unknown[], customers: 0, plans: 0 };
  const hcm: PayrollContextSource = {
    calendars: () => Promise.reject(new Error('not used')),
    workerIdsOfLegalEntity: () => Promise.reject(new Error('not used')),
    async workforce({ filter, from, to, period }) {
      asked.workforce.push(filter);
      const periods = period ? periodsWithin(from, to, period) : [{ start: from, end: to }];
      return Object.keys(costCenterOf)
        .filter((id) => filter.workerIds === null || filter.workerIds.includes(id))
        .filter((id) => filter.costCenterIds === null || filter.costCenterIds.includes(costCenterOf[id]))
        .map((workerId) => ({
          workerId,
          roleId: 'r-consultant',
          costCenterId: costCenterOf[workerId],
          legalEntityId: 'le-1',
          targetUtilization: workerId === W.dan ? '90.00' : '75.00',
          capacity: new Map(periods.map((p) => [p.start, capacityOf(p.start, p.end)])),
        }));
    },
  };
  const psa: WorkContextSource = {
    load: () => Promise.reject(new Error('not used')),
    billingStatuses: () => Promise.reject(new Error('not used')),
    expenseBillingStatuses: () => Promise.reject(new Error('not used')),
    projectIdsOfCustomer: () => Promise.reject(new Error('not used')),
    directReports: async (managerIds) => new Map(managerIds.map((id) => [id, [...(directReports[id] ?? [])]])),
    async customersOfProjects(projectIds) {
      asked.customers += 1;
      return new Map(projectIds.map((id) => [id, id === P.bulk ? 'cust-bulk' : 'cust-ab']));
    },
    async confirmedPlans(projectIds) {
      asked.plans += 1;
      return new Map(projectIds.map((id) => [id, id === P.alpha ? [{ plannedHours: '40.00', startDate: '2026-11-16', endDate: '2026-11-30' }] : []]));
    },
  };

  before(async () => {
    time = await startSubgraph(timeSubgraph, { clock, create: (deps) => createTimeSubgraph(deps, { workContext: psa, payrollContext: hcm }) });
    await timeSubgraph.seed(time.database.db, tinyFirm(function* () {
      yield* handEntries;
      yield* bulkEntries;
    }));
  });
  after(() => time?.close());

  const utilization = `query($from: Date!, $to: Date!, $groupBy: [KpiDimension!]!, $period: CalendarPeriod, $filter: KpiFilter) {
    utilization(from: $from, to: $to, groupBy: $groupBy, period: $period, filter: $filter) {
      worker { id } costCenter { id } project { id } customer { id } periodStart periodEnd billableHours nonBillableHours capacityHours utilization
    }
  }`;
  const rowsOf = async (variables: Record<string, unknown>, as: Identity = admin) => dataOf(await time.call(utilization, variables, as)).utilization;
  const ofAnaAndBen = { workerIds: [W.ana, W.ben] };

  it('buckets approved hours by ISO week, the first week clipped to `from`', async () => {
    // From Wednesday 18 Nov: the first week is 18-22 Nov (ana's 16th and 17th are before it), the next 23-29 Nov.
    const rows = await rowsOf({ from: '2026-11-18', to: '2026-11-29', groupBy: ['WORKER'], period: 'WEEK', filter: ofAnaAndBen });
    assert.deepEqual(rows.map((r: any) => [r.worker.id, r.periodStart, r.periodEnd, r.billableHours, r.capacityHours, r.utilization]), [
      // 3 weekdays × 8 = 24 capacity; ana has nothing approved from the 18th (2.25 submitted, 4.00 draft).
      [W.ana, '2026-11-18', '2026-11-22', '0.00', '24.00', '0.00'],
      [W.ben, '2026-11-18', '2026-11-22', '0.00', '24.00', '0.00'],
      [W.ana, '2026-11-23', '2026-11-29', '0.00', '40.00', '0.00'],
      // ben: 8.00 + 3.30 = 11.30 of 40 = 28.25 %.
      [W.ben, '2026-11-23', '2026-11-29', '11.30', '40.00', '28.25'],
    ]);
  });

  it('buckets by day and by month, and takes the whole range as one period without `period`', async () => {
    const days = await rowsOf({ from: '2026-11-16', to: '2026-11-17', groupBy: ['WORKER'], period: 'DAY', filter: { workerIds: [W.ana] } });
    // 8.00 / 8 = 100.00 %; 7.50 / 8 = 93.75 %.
    assert.deepEqual(days.map((r: any) => [r.periodStart, r.billableHours, r.utilization]), [['2026-11-16', '8.00', '100.00'], ['2026-11-17', '7.50', '93.75']]);
    const months = await rowsOf({ from: '2026-11-10', to: '2026-12-31', groupBy: [], period: 'MONTH', filter: ofAnaAndBen });
    // November from the 10th: 15 weekdays × 8 × 2 workers = 240; 8 + 7.50 + 8 + 3.30 = 26.80 → 11.17 %. December: 23 × 8 × 2 = 368.
    assert.deepEqual(months.map((r: any) => [r.periodStart, r.periodEnd, r.billableHours, r.capacityHours, r.utilization]), [
      ['2026-11-10', '2026-11-30', '26.80', '240.00', '11.17'],
      ['2026-12-01', '2026-12-31', '0.00', '368.00', '0.00'],
    ]);
    const whole = await rowsOf({ from: '2026-11-10', to: '2026-12-31', groupBy: [], filter: ofAnaAndBen });
    assert.deepEqual(whole.map((r: any) => [r.periodStart, r.periodEnd, r.billableHours, r.capacityHours]), [['2026-11-10', '2026-12-31', '26.80', '608.00']]);
  });

  it('groups by project and customer with one psa request, and a statement count that does not depend on the data', async () => {
    time.database.statements.reset();
    asked.customers = 0;
    const byCustomer = await rowsOf({ from: '2026-11-16', to: '2026-11-29', groupBy: ['CUSTOMER', 'PROJECT'], filter: ofAnaAndBen });
    assert.equal(asked.customers, 1);
    assert.equal(time.database.statements.total, 1, 'one GROUP BY');
    assert.deepEqual(byCustomer.map((r: any) => [r.customer.id, r.project.id, r.billableHours, r.capacityHours]), [
      // alpha: ana 15.50 + ben 8.00 = 23.50 over both their capacity (2 × 80); beta: ben 3.30 over his 80.
      ['cust-ab', P.alpha, '23.50', '160.00'],
      ['cust-ab', P.beta, '3.30', '80.00'],
    ]);
  });

  it('narrows to the workers the caller sees and refuses naming anyone else', async () => {
    const own = await rowsOf({ from: '2026-11-16', to: '2026-11-22', groupBy: ['WORKER'] }, ana);
    assert.deepEqual(own.map((r: any) => [r.worker.id, r.billableHours]), [[W.ana, '15.50']]);
    const denied = await time.call(utilization, { from: '2026-11-16', to: '2026-11-22', groupBy: [], filter: { workerIds: [W.dan] } }, ana);
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    asked.workforce.length = 0;
    const team = await rowsOf({ from: '2026-11-16', to: '2026-11-22', groupBy: ['COST_CENTER'] }, manager);
    // mia sees herself and ana, ben, dan, eve (her reports): hcm is asked about exactly those.
    assert.deepEqual((asked.workforce[0] as { workerIds: string[] }).workerIds.sort(), [W.ana, W.ben, W.dan, W.eve, W.mia].sort());
    assert.deepEqual(team.map((r: any) => r.costCenter.id), ['cc-a', 'cc-b', 'cc-m']);
  });

  it('counts a week as submitted when nothing in it is DRAFT or REJECTED', async () => {
    const compliance = `query($filter: KpiFilter) {
      timesheetCompliance(from: "2026-11-16", to: "2026-11-29", groupBy: [WORKER], period: WEEK, filter: $filter) { worker { id } periodStart expectedWeeks submittedWeeks }
      missingTimesheets(from: "2026-11-16", to: "2026-11-29", filter: $filter) { totalCount nodes { worker { id } isoWeek timesheet { status } } }
    }`;
    time.database.statements.reset();
    const data = dataOf(await time.call(compliance, { filter: ofAnaAndBen }, admin));
    // ana W47: a draft beside approved and submitted entries → not submitted (its timesheet reads SUBMITTED, but a
    // draft is left to submit); W48: no entries. ben W47: rejected; W48: all approved → submitted.
    assert.deepEqual(data.timesheetCompliance.map((r: any) => [r.worker.id, r.periodStart, r.expectedWeeks, r.submittedWeeks]), [
      [W.ana, '2026-11-16', 1, 0],
      [W.ben, '2026-11-16', 1, 0],
      [W.ana, '2026-11-23', 1, 0],
      [W.ben, '2026-11-23', 1, 1],
    ]);
    assert.deepEqual(data.missingTimesheets.nodes.map((n: any) => [n.worker.id, n.isoWeek, n.timesheet.status]), [
      [W.ana, '2026-W47', 'SUBMITTED'],
      [W.ben, '2026-W47', 'REJECTED'],
      [W.ana, '2026-W48', 'DRAFT'],
    ]);
    // Two questions, one GROUP BY each, plus the missing weeks' timesheets in one statement.
    assert.equal(time.database.statements.total, 3);
  });

  it('sums approved hours per assignment and plans per project in one statement and one psa request per page', async () => {
    asked.plans = 0;
    time.database.statements.reset();
    const representations = [
      { __typename: 'Project', id: P.alpha, budgetHours: '50.00' },
      { __typename: 'Project', id: P.beta, budgetHours: null },
      { __typename: 'Assignment', id: `${W.ana}-${P.alpha}`, plannedHours: '40.00', startDate: '2026-11-16', endDate: '2026-11-30', worker: { id: W.ana } },
      { __typename: 'Assignment', id: `${W.ben}-${P.alpha}`, plannedHours: null, startDate: '2026-11-16', endDate: '2026-11-30', worker: { id: W.ben } },
    ];
    const { _entities } = dataOf(
      await time.call(
        `query($representations: [_Any!]!) { _entities(representations: $representations) {
          ... on Project { forecast { plannedHours approvedHours remainingPlannedHours estimateAtCompletion percentOfBudgetConsumed } }
          ... on Assignment { forecast { approvedHours remainingPlannedHours estimateAtCompletion } }
        } }`,
        { representations },
        admin,
      ),
    );
    assert.equal(asked.plans, 1);
    assert.equal(time.database.statements.total, 2, 'one GROUP BY per project and one per assignment');
    // Today Friday 27 Nov; alpha's plan 16-30 Nov has 11 weekdays, 1 after today (Mon 30): 40 × 1 / 11 = 3.636… → 3.64.
    // alpha approved (all dates): ana 15.50 + ben 8.00 + cy 1.10 (31 Dec) = 24.60 → EAC 28.24; 24.60 / 50 = 49.20 %.
    // beta: ben 3.30 + cy 5.00 (2020) = 8.30, no plan, no budget.
    assert.deepEqual(_entities, [
      { forecast: { plannedHours: '40.00', approvedHours: '24.60', remainingPlannedHours: '3.64', estimateAtCompletion: '28.24', percentOfBudgetConsumed: '49.20' } },
      { forecast: { plannedHours: '0.00', approvedHours: '8.30', remainingPlannedHours: '0.00', estimateAtCompletion: '8.30', percentOfBudgetConsumed: null } },
      { forecast: { approvedHours: '15.50', remainingPlannedHours: '3.64', estimateAtCompletion: '19.14' } },
      { forecast: { approvedHours: '8.00', remainingPlannedHours: '0.00', estimateAtCompletion: '8.00' } },
    ]);
    const own = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Assignment { forecast { approvedHours } } } }`, { r: representations.slice(2) }, ana);
    assert.equal(own.errors?.[0].extensions?.code, 'FORBIDDEN', 'ana sees her own assignment, not ben’s');
    assert.deepEqual(own.data?._entities?.[0], { forecast: { approvedHours: '15.50' } });
  });
});

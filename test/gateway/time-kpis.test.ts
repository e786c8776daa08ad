import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '../../lib/auth/identity.ts';
import { buildKpiFirm, kpiClock, logNovember, type KpiFirm } from '../support/time-kpi-firm.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * The KPIs that come from time, through the gateway, on a firm built through the API (test/support/time-kpi-firm.ts):
 * capacity from hcm (holiday 18 November, ana's leave 23-24 November, ben part time, cy hired 16 November), approved
 * time from time (a rejected entry, a reversed one, drafts and an entry awaiting approval that must not count), plans
 * from psa. Capacity, by hand (November: 21 weekdays):
 *   ana 21 × 8 − 8 (holiday) − 16 (leave) = 144; per ISO week W45-W48: 40, 40, 32, 24
 *   ben 17 Monday-Thursdays × 6 − 6 (holiday) = 96;  per week: 24, 24, 18, 24
 *   cy  11 weekdays from the 16th × 8 − 8 = 80;        per week: 0, 0, 32, 40
 *   mia 21 × 8 − 8 = 160;                              per week: 40, 40, 32, 40
 *   October (22 weekdays, no holiday): ana 176, ben 17 × 6 = 102, mia 176, cy 0.
 * Approved billable hours: ana 110 (P1 40 + 30 + 16 + 16, P2 8) and 16 non-billable on P1; ben 62 on P2 (24 + 20 +
 * 18); cy 64 on P1 (32 + 32).
 */
describe('KPIs from time through the gateway', () => {
  let graph: HubHarness;
  let firm: KpiFirm;
  const admin: Identity = { roles: ['ADMIN'], workerId: null };
  const call = async (query: string, variables: Record<string, unknown> = {}, as: Identity = admin) => dataOf(await graph.query(query, variables, as));
  const codeOf = async (query: string, variables: Record<string, unknown>, as: Identity) => (await graph.query(query, variables, as)).errors?.[0]?.extensions?.code;

  before(async () => {
    graph = await startTestHub({ clock: kpiClock });
    firm = await buildKpiFirm(graph);
    await logNovember(graph, firm);
  });
  after(() => graph?.close());

  const utilization = `query($from: Date!, $to: Date!, $groupBy: [KpiDimension!]!, $period: CalendarPeriod, $filter: KpiFilter) {
    utilization(from: $from, to: $to, groupBy: $groupBy, period: $period, filter: $filter) {
      worker { id name } role { id name } costCenter { id name } legalEntity { id } customer { id name } project { id code }
      periodStart periodEnd billableHours nonBillableHours capacityHours utilization targetUtilization varianceToTarget workerCount
    }
  }`;
  const figures = (row: any) => [row.periodStart, row.billableHours, row.nonBillableHours, row.capacityHours, row.utilization, row.targetUtilization, row.varianceToTarget];
  const name = (firmIds: Record<string, string>, id: string) => Object.entries(firmIds).find(([, value]) => value === id)?.[0];

  it('per worker and ISO week: billable ÷ capacity with holidays, leave, part time and a mid-period hire', async () => {
    const { utilization: rows } = await call(utilization, { from: '2026-11-02', to: '2026-11-29', groupBy: ['WORKER'], period: 'WEEK' });
    const shown = rows.map((row: any) => [name(firm.workers, row.worker.id), ...figures(row)]);
    const expected = [
      // ana (own target 80): 40/40; 38/40; 16/32 (16 non-billable); 16/24 = 66.666… → 66.67 (Friday's rejected 8 not counted).
      ['ana', '2026-11-02', '40.00', '0.00', '40.00', '100.00', '80.00', '20.00'],
      ['ana', '2026-11-09', '38.00', '0.00', '40.00', '95.00', '80.00', '15.00'],
      ['ana', '2026-11-16', '16.00', '16.00', '32.00', '50.00', '80.00', '-30.00'],
      ['ana', '2026-11-23', '16.00', '0.00', '24.00', '66.67', '80.00', '-13.33'],
      // ben (role target 75): 24/24; 20/24 = 83.333… → 83.33; 18/18; drafts only in W48: 0/24.
      ['ben', '2026-11-02', '24.00', '0.00', '24.00', '100.00', '75.00', '25.00'],
      ['ben', '2026-11-09', '20.00', '0.00', '24.00', '83.33', '75.00', '8.33'],
      ['ben', '2026-11-16', '18.00', '0.00', '18.00', '100.00', '75.00', '25.00'],
      ['ben', '2026-11-23', '0.00', '0.00', '24.00', '0.00', '75.00', '-75.00'],
      // cy (role target 60): no capacity before the hire, no row; W48's non-billable 8 h still awaits approval.
      ['cy', '2026-11-16', '32.00', '0.00', '32.00', '100.00', '60.00', '40.00'],
      ['cy', '2026-11-23', '32.00', '0.00', '40.00', '80.00', '60.00', '20.00'],
      ['mia', '2026-11-02', '0.00', '0.00', '40.00', '0.00', '60.00', '-60.00'],
      ['mia', '2026-11-09', '0.00', '0.00', '40.00', '0.00', '60.00', '-60.00'],
      ['mia', '2026-11-16', '0.00', '0.00', '32.00', '0.00', '60.00', '-60.00'],
      ['mia', '2026-11-23', '0.00', '0.00', '40.00', '0.00', '60.00', '-60.00'],
    ];
    const byKey = (a: any[], b: any[]) => (`${a[1]}${a[0]}` < `${b[1]}${b[0]}` ? -1 : 1);
    assert.deepEqual([...shown].sort(byKey), [...expected].sort(byKey));
    // Ordered by period, then worker id; only the worker key is set; each week ends on its Sunday.
    assert.deepEqual(rows.map((r: any) => `${r.periodStart}/${r.worker.id}`), rows.map((r: any) => `${r.periodStart}/${r.worker.id}`).sort());
    assert.ok(rows.every((r: any) => r.role === null && r.costCenter === null && r.project === null && r.customer === null));
    assert.deepEqual(rows.find((r: any) => r.worker.name === 'Cy' && r.periodStart === '2026-11-23').periodEnd, '2026-11-29');
  });

  it('per role and month: capacities add and the target is capacity-weighted', async () => {
    const { utilization: rows } = await call(utilization, { from: '2026-10-01', to: '2026-11-30', groupBy: ['ROLE'], period: 'MONTH' });
    assert.deepEqual(
      rows.map((row: any) => [row.role.name, ...figures(row), row.workerCount]).sort(),
      [
        // October, nothing logged: architect mia 176; consultant ana 176 + ben 102 = 278, target (176×80 + 102×75) / 278
        // = 21730 / 278 = 78.165… → 78.17.
        ['Architect', '2026-10-01', '0.00', '0.00', '176.00', '0.00', '60.00', '-60.00', 1],
        // November: architect cy 64 / (cy 80 + mia 160) = 26.666… → 26.67.
        ['Architect', '2026-11-01', '64.00', '0.00', '240.00', '26.67', '60.00', '-33.33', 2],
        ['Consultant', '2026-10-01', '0.00', '0.00', '278.00', '0.00', '78.17', '-78.17', 2],
        // consultant (110 + 62) / (144 + 96) = 172 / 240 = 71.666… → 71.67; target (144×80 + 96×75) / 240 = 78.00.
        ['Consultant', '2026-11-01', '172.00', '16.00', '240.00', '71.67', '78.00', '-6.33', 2],
      ].sort(),
    );
  });

  it('per cost center for the month, and per project and customer: the share of their people’s capacity', async () => {
    const november = { from: '2026-11-01', to: '2026-11-30', period: 'MONTH' };
    const { utilization: centers } = await call(utilization, { ...november, groupBy: ['COST_CENTER'] });
    assert.deepEqual(centers.map((r: any) => [r.costCenter.name, ...figures(r)]).sort(), [
      ['Architecture', '2026-11-01', '64.00', '0.00', '240.00', '26.67', '60.00', '-33.33'],
      ['Consulting', '2026-11-01', '172.00', '16.00', '240.00', '71.67', '78.00', '-6.33'],
    ]);
    // Two cost centers named: hcm filters on one at a time, so the page is filtered in time; the answer is the same.
    const both = { costCenterIds: [firm.costCenters.consulting, firm.costCenters.architecture], legalEntityIds: [firm.legalEntity] };
    assert.deepEqual((await call(utilization, { ...november, groupBy: ['COST_CENTER'], filter: both })).utilization, centers);
    const onlyArchitecture = (await call(utilization, { ...november, groupBy: ['COST_CENTER'], filter: { costCenterIds: [firm.costCenters.architecture] } })).utilization;
    assert.deepEqual(onlyArchitecture.map((r: any) => r.costCenter.name), ['Architecture']);
    const { utilization: projects } = await call(utilization, { ...november, groupBy: ['PROJECT'] });
    assert.deepEqual(projects.map((r: any) => [r.project.code, ...figures(r), r.workerCount]).sort(), [
      // P1: (ana 102 + cy 64) / (ana 144 + cy 80) = 166 / 224 = 74.107… → 74.11; target (144×80 + 80×60) / 224 = 72.857… → 72.86.
      ['P-ACME-001', '2026-11-01', '166.00', '16.00', '224.00', '74.11', '72.86', '1.25', 2],
      // P2: (ana 8 + ben 62) / (ana 144 + ben 96) = 70 / 240 = 29.166… → 29.17; target 78.00.
      ['P-GLOBEX-001', '2026-11-01', '70.00', '0.00', '240.00', '29.17', '78.00', '-48.83', 2],
    ]);
    const { utilization: customers } = await call(utilization, { ...november, groupBy: ['CUSTOMER'] });
    assert.deepEqual(customers.map((r: any) => [r.customer.name, r.billableHours, r.capacityHours, r.utilization]).sort(), [
      ['ACME', '166.00', '224.00', '74.11'],
      ['Globex', '70.00', '240.00', '29.17'],
    ]);
    // Filtered to P2 and grouped by cost center: only the workers who logged on it bring capacity (ana and ben).
    const { utilization: onP2 } = await call(utilization, { ...november, groupBy: ['COST_CENTER'], filter: { projectIds: [firm.projects.p2] } });
    assert.deepEqual(onP2.map((r: any) => [r.costCenter.name, r.billableHours, r.capacityHours, r.utilization]), [['Consulting', '70.00', '240.00', '29.17']]);
    const { utilization: ofGlobex } = await call(utilization, { ...november, groupBy: [], filter: { customerIds: [firm.customers.globex] } });
    assert.deepEqual(ofGlobex.map((r: any) => [r.billableHours, r.capacityHours, r.utilization]), [['70.00', '240.00', '29.17']]);
    // The whole range as one period (no `period`), filtered by role.
    const { utilization: whole } = await call(utilization, { from: '2026-11-01', to: '2026-11-30', groupBy: ['LEGAL_ENTITY'], filter: { roleIds: [firm.roles.consultant] } });
    assert.deepEqual(whole.map((r: any) => [r.legalEntity.id, r.periodStart, r.periodEnd, r.billableHours, r.capacityHours]), [
      [firm.legalEntity, '2026-11-01', '2026-11-30', '172.00', '240.00'],
    ]);
  });

  const compliance = `query($from: Date!, $to: Date!, $groupBy: [KpiDimension!]!, $period: CalendarPeriod, $filter: KpiFilter) {
    timesheetCompliance(from: $from, to: $to, groupBy: $groupBy, period: $period, filter: $filter) {
      worker { id name } costCenter { name } periodStart periodEnd expectedWeeks submittedWeeks missingWeeks complianceRate
    }
  }`;
  const missing = `query($from: Date!, $to: Date!, $first: Int, $after: String) {
    missingTimesheets(from: $from, to: $to, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { worker { id name } isoWeek weekStart weekEnd capacityHours timesheet { status totalHours } }
    }
  }`;

  it('timesheet compliance: expected against submitted worker-weeks, with the missing weeks for follow-up', async () => {
    // November counts W45-W48 (Thursdays 5-26 November). Expected: ana 4, ben 4, cy 2 (hired in W47), mia 4 = 14.
    // Submitted: ana 3 (W48 holds a rejected entry), ben 3 (W48 drafts only), cy 2 (W48 approved + submitted), mia 0.
    const { timesheetCompliance: byWorker } = await call(compliance, { from: '2026-11-01', to: '2026-11-30', groupBy: ['WORKER'], period: 'MONTH' });
    assert.deepEqual(byWorker.map((r: any) => [r.worker.name, r.periodStart, r.periodEnd, r.expectedWeeks, r.submittedWeeks, r.missingWeeks, r.complianceRate]).sort(), [
      ['Ana', '2026-11-01', '2026-11-30', 4, 3, 1, '75.00'],
      ['Ben', '2026-11-01', '2026-11-30', 4, 3, 1, '75.00'],
      ['Cy', '2026-11-01', '2026-11-30', 2, 2, 0, '100.00'],
      ['Mia', '2026-11-01', '2026-11-30', 4, 0, 4, '0.00'],
    ]);
    const { timesheetCompliance: byCenter } = await call(compliance, { from: '2026-11-01', to: '2026-11-30', groupBy: ['COST_CENTER'] });
    // Consulting 6 of 8 = 75.00; Architecture 2 of 6 = 33.333… → 33.33.
    assert.deepEqual(byCenter.map((r: any) => [r.costCenter.name, r.expectedWeeks, r.submittedWeeks, r.complianceRate]).sort(), [
      ['Architecture', 6, 2, '33.33'],
      ['Consulting', 8, 6, '75.00'],
    ]);
    const { timesheetCompliance: firmWide } = await call(compliance, { from: '2026-11-01', to: '2026-11-30', groupBy: [], period: 'WEEK' });
    // Per ISO week (in the week of its Thursday): W45 3 expected (cy not hired) … W48 4 expected, 1 submitted (cy).
    assert.deepEqual(firmWide.map((r: any) => [r.periodStart, r.expectedWeeks, r.submittedWeeks]), [
      ['2026-11-02', 3, 2],
      ['2026-11-09', 3, 2],
      ['2026-11-16', 4, 3],
      ['2026-11-23', 4, 1],
    ]);

    const first = (await call(missing, { from: '2026-11-01', to: '2026-11-30', first: 4 })).missingTimesheets;
    const rest = (await call(missing, { from: '2026-11-01', to: '2026-11-30', first: 4, after: first.pageInfo.endCursor })).missingTimesheets;
    assert.equal(first.totalCount, 6);
    assert.equal(first.pageInfo.hasNextPage, true);
    assert.equal(rest.pageInfo.hasNextPage, false);
    const expectedMissing = [
      ['2026-W45', firm.workers.mia], ['2026-W46', firm.workers.mia], ['2026-W47', firm.workers.mia],
      ...[firm.workers.ana, firm.workers.ben, firm.workers.mia].sort().map((id) => ['2026-W48', id]),
    ];
    assert.deepEqual([...first.nodes, ...rest.nodes].map((n: any) => [n.isoWeek, n.worker.id]), expectedMissing);
    const w48 = rest.nodes.concat(first.nodes).filter((n: any) => n.isoWeek === '2026-W48');
    assert.deepEqual(w48.map((n: any) => [n.worker.name, n.weekStart, n.weekEnd, n.capacityHours, n.timesheet.status, n.timesheet.totalHours]).sort(), [
      ['Ana', '2026-11-23', '2026-11-29', '24.00', 'REJECTED', '24.00'],
      ['Ben', '2026-11-23', '2026-11-29', '24.00', 'DRAFT', '12.00'],
      ['Mia', '2026-11-23', '2026-11-29', '40.00', 'DRAFT', '0.00'],
    ]);
  });

  const forecastFields = 'asOf plannedHours plannedHoursToDate approvedHours varianceHours percentConsumed remainingPlannedHours estimateAtCompletion varianceAtCompletion';
  const forecast = `query($ids: [ID!]!) {
    projects(filter: { ids: $ids }) { nodes { id code budgetHours
      forecast { ${forecastFields} budgetHours percentOfBudgetConsumed estimateAtCompletionPercentOfBudget budgetVarianceAtCompletion }
      assignments { nodes { id status forecast { ${forecastFields} } } }
    } }
  }`;

  it('forecast against actual and the estimate at completion, per project and per assignment', async () => {
    const { projects } = await call(forecast, { ids: [firm.projects.p1, firm.projects.p2] });
    const p1 = projects.nodes.find((p: any) => p.id === firm.projects.p1);
    // Today Wednesday 9 December; weekdays after it to 31 December: 16. ana on P1: window 2 Nov-31 Dec, 44 weekdays,
    // 300 planned → remaining 300 × 16 / 44 = 109.0909 → 109.09; to date 190.91; approved 118 (102 billable + 16
    // internal, the reversed 8 h out, the corrected 6 h in, the rejected 8 h out); EAC 118 + 109.09 = 227.09.
    const anaP1 = p1.assignments.nodes.find((a: any) => a.id === firm.assignments.anaP1).forecast;
    assert.deepEqual(anaP1, {
      asOf: '2026-12-09', plannedHours: '300.00', plannedHoursToDate: '190.91', approvedHours: '118.00', varianceHours: '-72.91',
      percentConsumed: '39.33', remainingPlannedHours: '109.09', estimateAtCompletion: '227.09', varianceAtCompletion: '72.91',
    });
    // cy on P1: 16 Nov-31 Dec, 34 weekdays, 160 planned → 160 × 16 / 34 = 75.294… → 75.29; approved 64 (the Friday
    // still awaiting approval is out).
    const cyP1 = p1.assignments.nodes.find((a: any) => a.id === firm.assignments.cyP1).forecast;
    assert.deepEqual([cyP1.remainingPlannedHours, cyP1.approvedHours, cyP1.estimateAtCompletion], ['75.29', '64.00', '139.29']);
    // The project: CONFIRMED plans only (mia's tentative 100 h are not the plan): 300 + 160 = 460, remaining
    // 109.09 + 75.29 = 184.38, to date 275.62; approved 118 + 64 = 182; EAC 366.38; budget 400 (the sold hours):
    // 182 / 400 = 45.50 %, 366.38 / 400 = 91.595 → 91.60 %, 400 − 366.38 = 33.62.
    assert.deepEqual(p1.forecast, {
      asOf: '2026-12-09', plannedHours: '460.00', plannedHoursToDate: '275.62', approvedHours: '182.00', varianceHours: '-93.62',
      percentConsumed: '39.57', remainingPlannedHours: '184.38', estimateAtCompletion: '366.38', varianceAtCompletion: '93.62',
      budgetHours: '400.00', percentOfBudgetConsumed: '45.50', estimateAtCompletionPercentOfBudget: '91.60', budgetVarianceAtCompletion: '33.62',
    });
    // P2 has no budget: 20 × 16 / 44 = 7.27 and 100 × 16 / 44 = 36.36 remain; EAC 70 + 43.63 = 113.63.
    const p2 = projects.nodes.find((p: any) => p.id === firm.projects.p2);
    assert.deepEqual(
      [p2.forecast.plannedHours, p2.forecast.approvedHours, p2.forecast.remainingPlannedHours, p2.forecast.estimateAtCompletion, p2.forecast.budgetHours, p2.forecast.percentOfBudgetConsumed],
      ['120.00', '70.00', '43.63', '113.63', null, null],
    );
  });

  it('a worker sees only their own numbers, a manager their reports’, and naming someone else is FORBIDDEN', async () => {
    const ana: Identity = { roles: ['WORKER'], workerId: firm.workers.ana };
    const mia: Identity = { roles: ['WORKER', 'MANAGER'], workerId: firm.workers.mia };
    const november = { from: '2026-11-01', to: '2026-11-30', period: 'MONTH' };
    const own = (await call(utilization, { ...november, groupBy: ['WORKER'] }, ana)).utilization;
    assert.deepEqual(own.map((r: any) => [r.worker.id, r.billableHours, r.capacityHours, r.utilization]), [[firm.workers.ana, '110.00', '144.00', '76.39']]);
    // Grouped by cost center, a worker still sees only their own share: 110 / 144 = 76.388… → 76.39.
    const center = (await call(utilization, { ...november, groupBy: ['COST_CENTER'] }, ana)).utilization;
    assert.deepEqual(center.map((r: any) => [r.billableHours, r.capacityHours, r.workerCount]), [['110.00', '144.00', 1]]);
    assert.equal(await codeOf(utilization, { ...november, groupBy: ['WORKER'], filter: { workerIds: [firm.workers.ben] } }, ana), 'FORBIDDEN');
    assert.equal(await codeOf(compliance, { ...november, groupBy: ['WORKER'], filter: { workerIds: [firm.workers.cy] } }, mia), 'FORBIDDEN');
    const team = (await call(utilization, { ...november, groupBy: ['WORKER'] }, mia)).utilization;
    assert.deepEqual(team.map((r: any) => r.worker.id).sort(), [firm.workers.ana, firm.workers.ben, firm.workers.mia].sort());
    const ownWeeks = (await call(missing, { from: '2026-11-01', to: '2026-11-30' }, ana)).missingTimesheets;
    assert.deepEqual(ownWeeks.nodes.map((n: any) => n.isoWeek), ['2026-W48']);
    // Resource managers and finance see everyone.
    for (const roles of [['RESOURCE_MANAGER'], ['FINANCE']] as const) {
      const all = (await call(utilization, { ...november, groupBy: ['WORKER'] }, { roles: [...roles], workerId: null })).utilization;
      assert.equal(all.length, 4);
    }
    // A project's forecast is an aggregate for managers, resource managers, finance and admins.
    assert.equal(await codeOf(`query($ids: [ID!]!) { projects(filter: { ids: $ids }) { nodes { forecast { plannedHours } } } }`, { ids: [firm.projects.p1] }, ana), 'FORBIDDEN');
  });

  it('refuses questions that make no sense with BAD_USER_INPUT', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      [utilization, { from: '2026-11-30', to: '2026-11-01', groupBy: [] }],
      [utilization, { from: '2024-01-01', to: '2026-11-01', groupBy: [] }],
      [compliance, { from: '2026-11-01', to: '2026-11-30', groupBy: ['PROJECT'] }],
      [compliance, { from: '2026-11-01', to: '2026-11-30', groupBy: [], period: 'DAY' }],
      [compliance, { from: '2026-11-01', to: '2026-11-30', groupBy: [], filter: { customerIds: [firm.customers.acme] } }],
    ];
    for (const [query, variables] of cases) assert.equal(await codeOf(query, variables, admin), 'BAD_USER_INPUT', JSON.stringify(variables));
  });

  it('costs the same SQL statements per subgraph for one worker as for all of them, and for one project as for two', async () => {
    async function statements(query: string, variables: Record<string, unknown>) {
      await graph.hub.settle();
      for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
      await call(query, variables);
      return Object.fromEntries(Object.entries(graph.hub.subgraphs).map(([subgraph, { database }]) => [subgraph, database.statements.total]));
    }
    const week = { from: '2026-11-02', to: '2026-11-29', groupBy: ['WORKER', 'PROJECT'], period: 'WEEK' };
    const one = await statements(utilization, { ...week, filter: { workerIds: [firm.workers.ana] } });
    const all = await statements(utilization, { ...week, filter: { workerIds: Object.values(firm.workers) } });
    assert.deepEqual(all, one);
    assert.ok(one.time >= 1 && one.hcm >= 1, JSON.stringify(one));
    const oneProject = await statements(forecast, { ids: [firm.projects.p1] });
    const twoProjects = await statements(forecast, { ids: [firm.projects.p1, firm.projects.p2] });
    assert.deepEqual(twoProjects, oneProject);
  });
});

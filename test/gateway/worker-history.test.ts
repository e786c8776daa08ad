import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { Identity } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import type { DomainEvent } from '../../lib/events/envelope.ts';
import { silentLogger } from '../../lib/logger.ts';
import { ReportingLines } from '../../gateway/subscriptions/reporting-lines.ts';
import type { HcmDatabase } from '../../subgraphs/hcm/tables.ts';
import { buildKpiFirm, logNovember, TODAY, type KpiFirm } from '../support/time-kpi-firm.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * Effective-dated worker attributes (issue 21 item 1), through the gateway, on the KPI firm (test/support/
 * time-kpi-firm.ts, today Wednesday 2026-12-09): ana (Consulting, managed by mia) moves to Architecture on 1 December,
 * after her November and her first December days were approved. Reports of the past keep their groups, December's
 * use the new one, `asOf` reads any day, and a future-dated change waits for its day.
 */
describe('effective-dated worker attributes through the gateway', () => {
  let graph: HubHarness;
  let firm: KpiFirm;
  let now = new Date(`${TODAY}T12:00:00Z`);
  const clock: Clock = { now: () => now };
  const admin: Identity = { roles: ['ADMIN'], workerId: null };
  const call = async (query: string, variables: Record<string, unknown> = {}, as: Identity = admin) => dataOf(await graph.query(query, variables, as));
  const codeOf = async (query: string, variables: Record<string, unknown>) => (await graph.query(query, variables, admin)).errors?.[0]?.extensions?.code;
  const hcmDb = () => (graph.hub.subgraphs.hcm.database as unknown as { db: Kysely<HcmDatabase> }).db;
  const change = `mutation($workerId: ID!, $input: ChangeWorkerAttributesInput!, $key: String) {
    changeWorkerAttributes(workerId: $workerId, input: $input, idempotencyKey: $key) { id costCenter { name } manager { name } }
  }`;
  const utilization = `query($from: Date!, $to: Date!, $period: CalendarPeriod) {
    utilization(from: $from, to: $to, groupBy: [COST_CENTER], period: $period) {
      costCenter { name } periodStart billableHours nonBillableHours capacityHours utilization workerCount
    }
  }`;
  const byCostCenter = async (from: string, to: string, period: string | null) =>
    Object.fromEntries(
      (await call(utilization, { from, to, period })).utilization.map((row: any) => [
        `${row.periodStart} ${row.costCenter.name}`,
        [row.billableHours, row.nonBillableHours, row.capacityHours, row.utilization, row.workerCount],
      ]),
    ) as Record<string, any[]>;
  /** hcm's outbox since `seq`, as the gateway's feed hears it. */
  const eventsSince = async (seq: number) =>
    (await hcmDb().selectFrom('outbox').select(['seq', 'type', 'data']).where('seq', '>', seq).orderBy('seq').execute()) as unknown as Array<
      DomainEvent & { seq: number }
    >;
  const lastSeq = async () => Number((await hcmDb().selectFrom('outbox').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst())?.seq ?? 0);

  const unbilled = async () =>
    Object.fromEntries(
      (
        await call(`{ unbilledWork(from: "2026-11-01", to: "2026-12-31", groupBy: [COST_CENTER], period: MONTH) { costCenter { name } periodStart unbilled { hours } } }`)
      ).unbilledWork.map((row: any) => [`${row.periodStart} ${row.costCenter?.name}`, row.unbilled.hours]),
    );
  let november: Record<string, any>;
  let unbilledBefore: Record<string, string>;
  before(async () => {
    graph = await startTestHub({ clock });
    firm = await buildKpiFirm(graph);
    await logNovember(graph, firm);
    // ana's first December days, 4 × 8 billable on P1, approved before the move is recorded.
    const inputs = ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04'].map((date) => ({ projectId: firm.projects.p1, taskId: firm.tasks.p1, date, hours: '8.00' }));
    const logged = (await call(`mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } } }`, { inputs }, { roles: ['WORKER'], workerId: firm.workers.ana }))
      .logTimeEntries.map((result: any) => result.entry.id);
    await call(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: logged }, { roles: ['WORKER'], workerId: firm.workers.ana });
    await call(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: logged });
    await graph.hub.settle();
    november = await byCostCenter('2026-11-01', '2026-11-30', 'MONTH');
    unbilledBefore = await unbilled();
  });
  after(() => graph?.close());

  it('a move of cost center on the 1st leaves last month by cost center unchanged, and this month uses the new one', async () => {
    const before = await byCostCenter('2026-12-01', '2026-12-31', 'MONTH');
    assert.equal(before['2026-12-01 Consulting'][0], '32.00', 'before the move, ana’s December is Consulting’s');
    const moved = await call(change, { workerId: firm.workers.ana, input: { effectiveFrom: '2026-12-01', costCenterId: firm.costCenters.architecture }, key: 'move-ana' });
    assert.equal(moved.changeWorkerAttributes.costCenter.name, 'Architecture');

    assert.deepEqual(await byCostCenter('2026-11-01', '2026-11-30', 'MONTH'), november);
    const december = await byCostCenter('2026-12-01', '2026-12-31', 'MONTH');
    // Consulting keeps ben alone (part time, nothing logged); Architecture has ana's 32 h and her capacity with cy's and mia's.
    assert.deepEqual([december['2026-12-01 Consulting'][0], december['2026-12-01 Consulting'][4]], ['0.00', 1]);
    assert.equal(december['2026-12-01 Architecture'][0], '32.00');
    assert.equal(december['2026-12-01 Architecture'][4], 3);
    const capacity = (rows: Record<string, any[]>, name: string) => Number(rows[`2026-12-01 ${name}`][2]);
    assert.equal(capacity(december, 'Consulting') + capacity(december, 'Architecture'), capacity(before, 'Consulting') + capacity(before, 'Architecture'));

    // erp's unbilled work by cost center: November's stays Consulting's, ana's December goes to Architecture.
    const unbilledAfter = await unbilled();
    assert.equal(unbilledBefore['2026-12-01 Consulting'], '32.00');
    assert.deepEqual(
      Object.entries(unbilledAfter).filter(([key]) => key.startsWith('2026-11')),
      Object.entries(unbilledBefore).filter(([key]) => key.startsWith('2026-11')),
    );
    assert.deepEqual([unbilledAfter['2026-12-01 Consulting'], unbilledAfter['2026-12-01 Architecture']], [undefined, '32.00']);

    // One period across the move: ana's days before it count in Consulting, after it in Architecture (hours by day).
    // Consulting: ana 16-17 and 25-26 November (32) + ben 16, 17, 19 November (18); Architecture: cy 64 + ana's 32.
    const across = await byCostCenter('2026-11-15', '2026-12-15', null);
    assert.deepEqual([across['2026-11-15 Consulting'][0], across['2026-11-15 Consulting'][4]], ['50.00', 2]);
    assert.deepEqual([across['2026-11-15 Architecture'][0], across['2026-11-15 Architecture'][4]], ['96.00', 3]);
  });

  it('groups capacity against demand by the cost center in effect each day: November as it was, December under the move', async () => {
    const planning = `query($groupBy: CapacityGroupBy!) {
      capacityVsDemand(groupBy: $groupBy, period: MONTH, from: "2026-11-01", to: "2026-12-31") {
        worker { id } costCenter { name } periodStart workerCount capacityHours confirmedHours tentativeHours
      }
    }`;
    const asPlanner: Identity = { roles: ['RESOURCE_MANAGER'], workerId: null };
    const byCenter = new Map(
      (await call(planning, { groupBy: 'COST_CENTER' }, asPlanner)).capacityVsDemand.map((row: any) => [`${row.periodStart} ${row.costCenter?.name}`, row]),
    );
    const byWorker = new Map((await call(planning, { groupBy: 'WORKER' }, asPlanner)).capacityVsDemand.map((row: any) => [`${row.periodStart} ${row.worker?.id}`, row]));
    const sum = (month: string, ids: string[], field: 'capacityHours' | 'confirmedHours') =>
      ids.reduce((total, id) => total + Number((byWorker.get(`${month} ${id}`) as any)?.[field] ?? 0), 0).toFixed(2);
    const { ana, ben, cy, mia } = firm.workers;
    const row = (key: string) => byCenter.get(key) as any;
    // ana (moved on 1 December) counts in Consulting for November and in Architecture for December.
    assert.deepEqual([row('2026-11-01 Consulting').workerCount, row('2026-12-01 Consulting').workerCount], [2, 1]);
    assert.deepEqual([row('2026-11-01 Architecture').workerCount, row('2026-12-01 Architecture').workerCount], [2, 3]);
    assert.equal(row('2026-11-01 Consulting').capacityHours, sum('2026-11-01', [ana, ben], 'capacityHours'));
    assert.equal(row('2026-12-01 Consulting').capacityHours, sum('2026-12-01', [ben], 'capacityHours'));
    assert.equal(row('2026-12-01 Architecture').capacityHours, sum('2026-12-01', [ana, cy, mia], 'capacityHours'));
    // Her booked (confirmed) hours follow her the same way.
    assert.equal(row('2026-11-01 Consulting').confirmedHours, sum('2026-11-01', [ana, ben], 'confirmedHours'));
    assert.equal(row('2026-12-01 Architecture').confirmedHours, sum('2026-12-01', [ana, cy, mia], 'confirmedHours'));
    assert.ok(Number(sum('2026-12-01', [ana], 'confirmedHours')) > 0, 'ana is booked in December, so the move is seen in demand too');
  });

  it('reads any day with asOf: the old manager and cost center before the change, the periods in history', async () => {
    await call(change, { workerId: firm.workers.ana, input: { effectiveFrom: '2026-12-01', managerId: firm.workers.cy } });
    const { worker } = await call(
      `query($id: ID!) { worker(id: $id) {
        manager { name } old: manager(asOf: "2026-11-30") { name } costCenter { name } november: costCenter(asOf: "2026-11-15") { name }
        hired: costCenter(asOf: "2023-01-01") { name }
        history { effectiveFrom effectiveTo costCenter { name } manager { name } role { code } }
      } }`,
      { id: firm.workers.ana },
    );
    assert.deepEqual([worker.manager.name, worker.old.name, worker.costCenter.name, worker.november.name, worker.hired.name], ['Cy', 'Mia', 'Architecture', 'Consulting', 'Consulting']);
    assert.deepEqual(worker.history, [
      { effectiveFrom: '2024-01-01', effectiveTo: '2026-11-30', costCenter: { name: 'Consulting' }, manager: { name: 'Mia' }, role: { code: 'CONSULTANT' } },
      { effectiveFrom: '2026-12-01', effectiveTo: null, costCenter: { name: 'Architecture' }, manager: { name: 'Cy' }, role: { code: 'CONSULTANT' } },
    ]);
  });

  it('refuses invalid or overlapping periods writing nothing, and answers a replayed key without writing again', async () => {
    const seq = await lastSeq();
    const refused = async (input: Record<string, unknown>) => codeOf(change, { workerId: firm.workers.ana, input });
    assert.equal(await refused({ effectiveFrom: '2023-12-31', location: 'Paris' }), 'BAD_USER_INPUT', 'before the hire date');
    assert.equal(await refused({ effectiveFrom: '2026-12-10', effectiveTo: '2026-12-01', location: 'Paris' }), 'BAD_USER_INPUT', 'an end before the start');
    assert.equal(await refused({ effectiveFrom: '2026-12-10' }), 'BAD_USER_INPUT', 'no attribute');
    assert.equal(await refused({ effectiveFrom: '2026-11-20', effectiveTo: '2026-12-10', costCenterId: firm.costCenters.consulting }), 'CONFLICT', 'overlaps the move of 1 December');
    assert.equal(await refused({ effectiveFrom: '2026-12-10', costCenterId: 'no-such-center' }), 'NOT_FOUND');
    assert.equal(await codeOf(change, { workerId: firm.workers.ana, input: { effectiveFrom: '2026-12-01', location: 'Paris' }, key: 'move-ana' }), 'IDEMPOTENCY_KEY_REUSED', 'a key is one request');
    const replay = await call(change, { workerId: firm.workers.ana, input: { effectiveFrom: '2026-12-01', costCenterId: firm.costCenters.architecture }, key: 'move-ana' });
    assert.equal(replay.changeWorkerAttributes.costCenter.name, 'Architecture');
    assert.deepEqual(await eventsSince(seq), [], 'nothing written');
    const periods = await hcmDb().selectFrom('worker_period').select('effective_from').where('worker_id', '=', firm.workers.ana).execute();
    assert.equal(periods.length, 2);
  });

  it('reads a list of workers as of any day with the same statements for one worker and for all', async () => {
    const query = `query($ids: [ID!]) { workers(first: 50, filter: { ids: $ids }) { nodes {
      manager(asOf: "2026-11-30") { name } costCenter(asOf: "2026-11-30") { name } role(asOf: "2026-11-30") { code }
      history(from: "2026-11-01", to: "2026-12-31") { effectiveFrom costCenter { name } capacity(period: MONTH) { start hours } }
    } } }`;
    const hcm = graph.hub.subgraphs.hcm.database;
    const statements = async (ids: string[] | null) => {
      hcm.statements.reset();
      const { workers } = await call(query, { ids });
      return { count: workers.nodes.length, statements: hcm.statements.total };
    };
    const one = await statements([firm.workers.ana]);
    const all = await statements(null);
    assert.deepEqual([one.count, all.count], [1, 4]);
    assert.equal(all.statements, one.statements);
  });

  it('keeps a future-dated change out of today, and publishes it on the day it takes effect', async () => {
    const seq = await lastSeq();
    await call(change, { workerId: firm.workers.ben, input: { effectiveFrom: '2027-01-01', managerId: firm.workers.cy, location: 'Paris' }, key: 'ben-2027' });
    const ben = `query($id: ID!) { worker(id: $id) { manager { name } location january: location(asOf: "2027-01-01") reportsOfCy: manager(asOf: "2027-01-01") { name } } }`;
    assert.deepEqual((await call(ben, { id: firm.workers.ben })).worker, { manager: { name: 'Mia' }, location: 'Berlin', january: 'Paris', reportsOfCy: { name: 'Cy' } });
    const cysReports = async () =>
      (await call(`query($id: ID!) { workers(first: 10, filter: { managerId: $id }) { nodes { name } } }`, { id: firm.workers.cy })).workers.nodes.map((n: any) => n.name);
    assert.deepEqual(await cysReports(), ['Ana']);

    // What the gateway's reporting lines hear: the dated change, not a change of today's manager.
    const lines = new ReportingLines(async () => ({ data: null }) as never, silentLogger);
    const scheduled = await eventsSince(seq);
    assert.deepEqual(scheduled.map((event) => event.type), ['hcm.worker.history_changed']);
    assert.deepEqual([scheduled[0].data.effectiveFrom, scheduled[0].data.changedFields], ['2027-01-01', ['managerId', 'location']]);
    for (const event of await eventsSince(0)) lines.hear(event);
    assert.equal(lines.managerOf(firm.workers.ben), firm.workers.mia);

    // The day comes: hcm's schedule (here also run by hand) moves the row and announces it.
    const seqBefore = await lastSeq();
    now = new Date('2027-01-01T00:30:00Z');
    try {
      // hcm's own minute tick may come first: between it and the two runs here, the change is applied exactly once.
      const first = (await call(`mutation { applyDueWorkerChanges }`)).applyDueWorkerChanges;
      const second = (await call(`mutation { applyDueWorkerChanges }`)).applyDueWorkerChanges;
      assert.ok(first <= 1 && second === 0, `${first}, ${second}`);
      assert.deepEqual((await call(ben, { id: firm.workers.ben })).worker.manager, { name: 'Cy' });
      assert.deepEqual(await cysReports(), ['Ana', 'Ben']);
      const announced = await eventsSince(seqBefore);
      assert.deepEqual(announced.map((event) => event.type), ['hcm.worker.changed']);
      assert.deepEqual([announced[0].data.effectiveFrom, announced[0].data.managerId, announced[0].data.location], ['2027-01-01', firm.workers.cy, 'Paris']);
      assert.deepEqual(announced[0].data.changedFields, ['managerId', 'location']);
      for (const event of announced) lines.hear(event);
      assert.equal(lines.managerOf(firm.workers.ben), firm.workers.cy);
    } finally {
      now = new Date(`${TODAY}T12:00:00Z`);
    }
  });
  it('splits payroll overtime by the calendar in effect each day: a change to part time leaves November as it was', async () => {
    const payroll = `query($from: Date!, $to: Date!, $ids: [ID!]) {
      payrollHours(from: $from, to: $to, workerIds: $ids) { nodes { regularHours overtimeHours days { date regularHours overtimeHours } } }
    }`;
    const asFinance: Identity = { roles: ['FINANCE'], workerId: null };
    const hoursOf = async (from: string, to: string) => (await call(payroll, { from, to, ids: [firm.workers.ana] }, asFinance)).payrollHours.nodes[0];
    const novemberBefore = await hoursOf('2026-11-01', '2026-11-29');
    assert.deepEqual([(await hoursOf('2026-11-30', '2026-12-06')).regularHours, (await hoursOf('2026-11-30', '2026-12-06')).overtimeHours], ['32.00', '0.00']);

    // From Monday 30 November ana works ben's part-time calendar: 6 h Monday to Thursday.
    const partTime = (await call(`query($id: ID!) { worker(id: $id) { calendar { id hoursPerDay } } }`, { id: firm.workers.ben })).worker.calendar;
    assert.equal(partTime.hoursPerDay, '6.00');
    await call(change, { workerId: firm.workers.ana, input: { effectiveFrom: '2026-11-30', calendarId: partTime.id }, key: 'ana-part-time' });

    assert.deepEqual(await hoursOf('2026-11-01', '2026-11-29'), novemberBefore, 'November stays under the full-time calendar');
    const week = await hoursOf('2026-11-30', '2026-12-06');
    // 8 h Tuesday to Friday against 6 h days and a 24 h week: 2 h daily overtime each day, Friday's 6 regular hours
    // fill the week (18 before it), so 24 regular and 8 overtime.
    assert.deepEqual([week.regularHours, week.overtimeHours], ['24.00', '8.00']);
    assert.deepEqual(week.days.map((day: any) => [day.date, day.regularHours, day.overtimeHours]), [
      ['2026-12-01', '6.00', '2.00'],
      ['2026-12-02', '6.00', '2.00'],
      ['2026-12-03', '6.00', '2.00'],
      ['2026-12-04', '6.00', '2.00'],
    ]);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '../../../lib/auth/identity.ts';
import { hcmSubgraph, type HcmDatabase } from '../../../subgraphs/hcm/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { createOrg, createWorker, fixedClock, ok, tableCounts, type Org } from './fixtures.ts';

// The week of Monday 2026-03-02 to Sunday 2026-03-08; Wednesday 2026-03-04 is a holiday of the full-time calendar.
const week = { from: '2026-03-02', to: '2026-03-08' };

describe('hcm capacity and leave', () => {
  let hcm: SubgraphHarness<HcmDatabase>;
  let org: Org;
  const ids: Record<string, string> = {};

  const createLeave = `mutation($input: CreateLeaveInput!) { createLeave(input: $input) { id status hoursPerDay worker { name } } }`;
  const capacities = async () => {
    const data = await ok(hcm, `query($from: Date!, $to: Date!) { workers { nodes { name capacityHours(from: $from, to: $to) } } }`, week);
    return Object.fromEntries(data.workers.nodes.map((n: { name: string; capacityHours: string }) => [n.name, n.capacityHours]));
  };

  before(async () => {
    hcm = await startSubgraph(hcmSubgraph, { clock: fixedClock });
    org = await createOrg(hcm, 'ACME');
    await ok(hcm, `mutation($id: ID!) { addHoliday(calendarId: $id, date: "2026-03-04", name: "Founders' Day") { id } }`, { id: org.calendarId });
    const partTime = await ok(hcm, `mutation { createWorkCalendar(input: { name: "Part time", hoursPerDay: "6.00", workingDays: [1, 2, 3, 4] }) { id } }`);
    ids.full = await createWorker(hcm, org, { name: 'Fran Full' });
    ids.partTime = await createWorker(hcm, org, { name: 'Pat Part', calendarId: partTime.createWorkCalendar.id });
    ids.leave = await createWorker(hcm, org, { name: 'Lee Leave', managerId: ids.full });
    ids.newHire = await createWorker(hcm, org, { name: 'Nia New', hireDate: '2026-03-05' });
    ids.leaver = await createWorker(hcm, org, { name: 'Len Left', hireDate: '2020-01-01', terminationDate: '2026-03-03' });
  });
  after(() => hcm.close());

  it('counts working days × hours, minus holidays, within employment, per calendar', async () => {
    assert.deepEqual(await capacities(), {
      'Fran Full': '32.00', // 5 × 8 less the Wednesday holiday
      'Pat Part': '24.00', // 4 × 6; the holiday is not on the part-time calendar
      'Lee Leave': '32.00',
      'Nia New': '16.00', // hired Thursday
      'Len Left': '16.00', // Monday and Tuesday, the last day
    });
  });

  it('subtracts approved leave, and gives it back when cancelled', async () => {
    const resourceManager: Identity = { workerId: null, roles: ['RESOURCE_MANAGER'] };
    const vacation = await hcm.call(createLeave, { input: { workerId: ids.leave, type: 'VACATION', startDate: '2026-03-02', endDate: '2026-03-03' } }, resourceManager);
    assert.equal(vacation.data.createLeave.hoursPerDay, '8.00'); // a full day of the worker's calendar by default
    const half = await ok(hcm, createLeave, { input: { workerId: ids.leave, type: 'OTHER', startDate: '2026-03-05', endDate: '2026-03-05', hoursPerDay: '4.00' } });
    assert.equal((await capacities())['Lee Leave'], '12.00');
    await ok(hcm, `mutation($id: ID!) { cancelLeave(id: $id) { status } }`, { id: half.createLeave.id });
    assert.equal((await capacities())['Lee Leave'], '16.00');
    const twice = await hcm.call(`mutation($id: ID!) { cancelLeave(id: $id) { status } }`, { id: half.createLeave.id });
    assert.equal(twice.errors?.[0].extensions?.code, 'INVALID_TRANSITION');

    const listed = await ok(hcm, `query($id: ID!) {
      all: leaves(filter: { workerId: $id, from: "2026-03-01", to: "2026-03-31" }) { totalCount }
      worker(id: $id) { leaves(filter: { status: APPROVED }) { nodes { type startDate endDate } } } }`, { id: ids.leave });
    assert.equal(listed.all.totalCount, 2);
    assert.deepEqual(listed.worker.leaves.nodes, [{ type: 'VACATION', startDate: '2026-03-02', endDate: '2026-03-03' }]);
  });

  it('refuses overlapping leave, leave outside employment and bad hours, writing nothing', async () => {
    const before = await tableCounts(hcm);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ workerId: ids.leave, type: 'SICK', startDate: '2026-03-03', endDate: '2026-03-04' }, 'CONFLICT'],
      [{ workerId: ids.newHire, type: 'SICK', startDate: '2026-03-04', endDate: '2026-03-05' }, 'BAD_USER_INPUT'],
      [{ workerId: ids.leaver, type: 'SICK', startDate: '2026-03-03', endDate: '2026-03-04' }, 'BAD_USER_INPUT'],
      [{ workerId: ids.full, type: 'SICK', startDate: '2026-03-05', endDate: '2026-03-04' }, 'BAD_USER_INPUT'],
      [{ workerId: ids.full, type: 'SICK', startDate: '2026-03-05', endDate: '2026-03-05', hoursPerDay: '25.00' }, 'BAD_USER_INPUT'],
      [{ workerId: 'missing', type: 'SICK', startDate: '2026-03-05', endDate: '2026-03-05' }, 'NOT_FOUND'],
    ];
    for (const [input, code] of cases) {
      const response = await hcm.call(createLeave, { input });
      assert.equal(response.errors?.[0].extensions?.code, code, JSON.stringify(input));
    }
    assert.deepEqual(await tableCounts(hcm), before);
  });

  it('lets a manager record leave only for their reporting line', async () => {
    const input = (workerId: string) => ({ input: { workerId, type: 'SICK', startDate: '2026-04-01', endDate: '2026-04-01' } });
    const manager: Identity = { workerId: ids.full, roles: ['WORKER', 'MANAGER'] };
    const own = await hcm.call(createLeave, input(ids.leave), manager);
    assert.equal(own.data?.createLeave.worker.name, 'Lee Leave');
    const other = await hcm.call(createLeave, input(ids.partTime), manager);
    assert.equal(other.errors?.[0].extensions?.code, 'FORBIDDEN');
    const worker = await hcm.call(createLeave, input(ids.leave), { workerId: ids.leave, roles: ['WORKER'] });
    assert.equal(worker.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  it('splits capacity by ISO week and month, adding up to the range', async () => {
    // Fran: 2026-03-02 … 2026-03-15, the first week with the Wednesday holiday; Pat: the part-time calendar.
    const data = await ok(hcm, `query($a: ID!, $b: ID!) {
      full: worker(id: $a) { weeks: capacity(from: "2026-03-02", to: "2026-03-15", period: WEEK) { start end hours }
        months: capacity(from: "2026-02-23", to: "2026-03-03", period: MONTH) { start end hours } }
      part: worker(id: $b) { capacity(from: "2026-03-02", to: "2026-03-15", period: WEEK) { hours } } }`, { a: ids.full, b: ids.partTime });
    assert.deepEqual(data.full.weeks, [
      { start: '2026-03-02', end: '2026-03-08', hours: '32.00' },
      { start: '2026-03-09', end: '2026-03-15', hours: '40.00' },
    ]);
    assert.deepEqual(data.full.months, [
      { start: '2026-02-23', end: '2026-02-28', hours: '40.00' },
      { start: '2026-03-01', end: '2026-03-03', hours: '16.00' },
    ]);
    assert.deepEqual(data.part.capacity, [{ hours: '24.00' }, { hours: '24.00' }]);
  });

  it('refuses a capacity range that ends before it starts', async () => {
    const response = await hcm.call(`query($id: ID!) { worker(id: $id) { capacityHours(from: "2026-03-08", to: "2026-03-02") } }`, { id: ids.full });
    assert.equal(response.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  });
});

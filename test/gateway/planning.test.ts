import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '../../lib/auth/identity.ts';
import { buildKpiFirm, kpiClock, type KpiFirm } from '../support/time-kpi-firm.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * Resource planning through the gateway on the KPI firm (test/support/time-kpi-firm.ts), November 2026. Capacity
 * from hcm (holiday Wednesday 18 November, ana's leave 23-24 November, ben part time 6 h Monday-Thursday, cy hired 16
 * November), per ISO week W45-W48 (2-29 November) and for the month:
 *   ana 40, 40, 32, 24 (136; November 144)   ben 24, 24, 18, 24 (90; 96)
 *   cy  0, 0, 32, 40 (72; 80)                 mia 40, 40, 32, 40 (152; 160)
 * Assignments, each spread evenly over its weekdays (2 November-31 December: 44; from 16 November: 34), per week of 5
 * weekdays and for November's 21 (cy's 11):
 *   ana P1 300 h CONFIRMED: 34.09 a week, 143.18 in November;  ana P2 20 h: 2.27, 9.55
 *   ben P2 100 h CONFIRMED: 11.36, 47.73;  cy P1 160 h CONFIRMED: 23.53 (W47, W48), 51.76
 *   mia P1 100 h TENTATIVE: 11.36, 47.73 (shown, never consuming availability)
 * Requests added here: a confirmed 40 h consultant request on P2 (16-20 November) and an architect request of 80 h
 * (2-27 November) on an open deal won with probability 40 (weighted 32).
 */
describe('resource planning through the gateway', () => {
  let graph: HubHarness;
  let firm: KpiFirm;
  const admin: Identity = { roles: ['ADMIN'], workerId: null };
  const resourceManager: Identity = { roles: ['RESOURCE_MANAGER'], workerId: null };
  const call = async (query: string, variables: Record<string, unknown> = {}, as: Identity = admin) => dataOf(await graph.query(query, variables, as));

  before(async () => {
    graph = await startTestHub({ clock: kpiClock });
    firm = await buildKpiFirm(graph);
    const skills = (workerId: string, list: string[]) =>
      call(`mutation($id: ID!, $skills: [WorkerSkillInput!]!) { setWorkerSkills(workerId: $id, skills: $skills) { id } }`, {
        id: workerId, skills: list.map((skill) => ({ skill, level: 3 })),
      });
    await skills(firm.workers.ana, ['SAP']);
    await skills(firm.workers.cy, ['TOGAF', 'AWS']);
    await call(`mutation($input: CreateStaffingRequestInput!) { createStaffingRequest(input: $input) { id } }`, {
      input: { roleId: firm.roles.consultant, hours: '40', startDate: '2026-11-16', endDate: '2026-11-20', projectId: firm.projects.p2 },
    });
    const { createOpportunity } = await call(`mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id } }`, {
      input: { customerId: firm.customers.globex, name: 'Globex phase 2', probability: 40, billingMethod: 'TIME_AND_MATERIALS', legalEntityId: firm.legalEntity },
    });
    await call(`mutation($input: CreateStaffingRequestInput!) { createStaffingRequest(input: $input) { id demand } }`, {
      input: { roleId: firm.roles.architect, skills: ['TOGAF'], hours: '80', startDate: '2026-11-02', endDate: '2026-11-27', opportunityId: createOpportunity.id },
    });
  });
  after(() => graph?.close());

  const availability = `query($roleId: ID!, $skills: [String!], $minHours: Decimal) {
    availability(roleId: $roleId, skills: $skills, from: "2026-11-02", to: "2026-11-29", minHours: $minHours) {
      worker { name } matchedSkills missingSkills capacityHours bookedHours tentativeHours freeHours
      weeks { start end capacityHours bookedHours tentativeHours freeHours }
    }
  }`;

  it('ranks a role by skill match before free hours, and leaves tentative work out of availability', async () => {
    const { availability: bySkill } = await call(availability, { roleId: firm.roles.architect, skills: ['TOGAF', 'Kubernetes'] }, resourceManager);
    assert.deepEqual(bySkill.map((c: any) => [c.worker.name, c.matchedSkills, c.missingSkills, c.capacityHours, c.bookedHours, c.tentativeHours, c.freeHours]), [
      ['Cy', ['TOGAF'], ['Kubernetes'], '72.00', '47.06', '0.00', '24.94'],
      ['Mia', [], ['TOGAF', 'Kubernetes'], '152.00', '0.00', '45.44', '152.00'],
    ]);
    assert.deepEqual(bySkill[0].weeks.map((w: any) => [w.start, w.end, w.capacityHours, w.bookedHours, w.freeHours]), [
      ['2026-11-02', '2026-11-08', '0.00', '0.00', '0.00'],
      ['2026-11-09', '2026-11-15', '0.00', '0.00', '0.00'],
      ['2026-11-16', '2026-11-22', '32.00', '23.53', '8.47'],
      ['2026-11-23', '2026-11-29', '40.00', '23.53', '16.47'],
    ]);
    const { availability: byHours } = await call(availability, { roleId: firm.roles.architect }, resourceManager);
    assert.deepEqual(byHours.map((c: any) => c.worker.name), ['Mia', 'Cy'], 'without skills asked, the most free hours first');
    const { availability: enough } = await call(availability, { roleId: firm.roles.architect, skills: ['TOGAF'], minHours: '30' }, resourceManager);
    assert.deepEqual(enough.map((c: any) => c.worker.name), ['Mia']);
  });

  it('drops the overbooked (ana: 36.36 h booked a week against a holiday and leave) unless minHours lets them in', async () => {
    const { availability: consultants } = await call(availability, { roleId: firm.roles.consultant, skills: ['SAP'] }, resourceManager);
    assert.deepEqual(consultants.map((c: any) => [c.worker.name, c.freeHours, c.weeks.map((w: any) => w.freeHours)]), [['Ben', '44.56', ['12.64', '12.64', '6.64', '12.64']]]);
    const { availability: all } = await call(availability, { roleId: firm.roles.consultant, skills: ['SAP'], minHours: '-100' }, resourceManager);
    assert.deepEqual(all.map((c: any) => [c.worker.name, c.bookedHours, c.freeHours, c.weeks.map((w: any) => w.freeHours)]), [
      ['Ana', '145.44', '-9.44', ['3.64', '3.64', '-4.36', '-12.36']],
      ['Ben', '45.44', '44.56', ['12.64', '12.64', '6.64', '12.64']],
    ]);
  });

  const capacityVsDemand = `query($groupBy: CapacityGroupBy!, $period: PlanningPeriod!, $from: Date!, $to: Date!) {
    capacityVsDemand(groupBy: $groupBy, period: $period, from: $from, to: $to) {
      role { id name } costCenter { id name } legalEntity { id } location periodStart periodEnd workerCount
      capacityHours confirmedHours tentativeHours weightedTentativeHours gapHours utilization forwardUtilization
    }
  }`;
  const figures = (row: any) => [row.periodStart, row.periodEnd, row.workerCount, row.capacityHours, row.confirmedHours, row.tentativeHours, row.weightedTentativeHours, row.gapHours, row.utilization, row.forwardUtilization];

  it('weighs capacity against confirmed and probability-weighted tentative demand by role', async () => {
    const { capacityVsDemand: rows } = await call(capacityVsDemand, { groupBy: 'ROLE', period: 'MONTH', from: '2026-11-01', to: '2026-11-30' }, resourceManager);
    const byRole = Object.fromEntries(rows.map((row: any) => [row.role.name, figures(row)]));
    assert.equal(rows.length, 2);
    // consultant: 143.18 + 9.55 + 47.73 assigned + 40 requested = 240.46 against 144 + 96.
    assert.deepEqual(byRole.Consultant, ['2026-11-01', '2026-11-30', 2, '240.00', '240.46', '0.00', '0.00', '-0.46', '100.19', '100.19']);
    // architect: cy 51.76 confirmed; mia's 47.73 tentative in full and the deal's 80 at 40 % (32).
    assert.deepEqual(byRole.Architect, ['2026-11-01', '2026-11-30', 2, '240.00', '51.76', '127.73', '79.73', '108.51', '21.57', '54.79']);
  });

  it('puts requests that have no worker yet in a row of their own when grouping by people', async () => {
    const { capacityVsDemand: rows } = await call(capacityVsDemand, { groupBy: 'COST_CENTER', period: 'MONTH', from: '2026-11-01', to: '2026-11-30' }, resourceManager);
    assert.deepEqual(rows.map((row: any) => [row.costCenter?.name ?? null, ...figures(row).slice(2)]).sort((a: any[], b: any[]) => String(a[0]).localeCompare(String(b[0]))), [
      ['Architecture', 2, '240.00', '51.76', '47.73', '47.73', '140.51', '21.57', '41.45'],
      ['Consulting', 2, '240.00', '200.46', '0.00', '0.00', '39.54', '83.53', '83.53'],
      [null, 0, '0.00', '40.00', '80.00', '32.00', '-72.00', null, null],
    ]);
    const { capacityVsDemand: weekly } = await call(capacityVsDemand, { groupBy: 'LOCATION', period: 'WEEK', from: '2026-11-16', to: '2026-11-22' }, resourceManager);
    // W47 in Berlin: 32 + 18 + 32 + 32 capacity; 34.09 + 2.27 + 11.36 + 23.53 confirmed, mia's 11.36 tentative.
    assert.deepEqual(weekly.filter((row: any) => row.location).map((row: any) => [row.location, ...figures(row).slice(2)]), [
      ['Berlin', 4, '114.00', '71.25', '11.36', '11.36', '31.39', '62.50', '72.46'],
    ]);
  });

  it("gives each worker's forward utilization: booked and weighted tentative hours against their capacity", async () => {
    const { capacityVsDemand: rows } = await call(capacityVsDemand.replace('role { id name }', 'worker { name } role { id name }'), { groupBy: 'WORKER', period: 'MONTH', from: '2026-11-01', to: '2026-11-30' }, resourceManager);
    const byWorker = Object.fromEntries(rows.filter((row: any) => row.worker).map((row: any) => [row.worker.name, figures(row).slice(2)]));
    assert.deepEqual(byWorker.Ana, [1, '144.00', '152.73', '0.00', '0.00', '-8.73', '106.06', '106.06'], 'P1 143.18 + P2 9.55');
    assert.deepEqual(byWorker.Mia, [1, '160.00', '0.00', '47.73', '47.73', '112.27', '0.00', '29.83'], 'tentative only: forward, not actual');
    assert.equal(Object.keys(byWorker).length, 4);
  });

  it('asks psa one statement per question, hcm one request per page of workers, crm one for all deals', async () => {
    for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
    await call(capacityVsDemand, { groupBy: 'ROLE', period: 'WEEK', from: '2026-11-01', to: '2026-12-31' }, resourceManager);
    const counts = Object.fromEntries(Object.entries(graph.hub.subgraphs).map(([name, { database }]) => [name, database.statements.total]));
    assert.equal(counts.psa, 2, 'assignments and requests');
    assert.equal(counts.crm, 1, 'the deals, batched');
    for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
    await call(availability, { roleId: firm.roles.consultant }, resourceManager);
    assert.equal(graph.hub.subgraphs.psa.database.statements.total, 1);
  });

  it('is for resource managers (and finance for capacity against demand), not for workers', async () => {
    const worker: Identity = { roles: ['WORKER'], workerId: firm.workers.ana };
    const denied = await graph.query(availability, { roleId: firm.roles.consultant }, worker);
    assert.equal(denied.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const finance: Identity = { roles: ['FINANCE'], workerId: null };
    assert.equal((await graph.query(availability, { roleId: firm.roles.consultant }, finance)).errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const ok = await graph.query(capacityVsDemand, { groupBy: 'LEGAL_ENTITY', period: 'MONTH', from: '2026-11-01', to: '2026-11-30' }, finance);
    assert.equal(ok.errors, undefined);
    const bad = await graph.query(capacityVsDemand, { groupBy: 'ROLE', period: 'MONTH', from: '2026-11-30', to: '2026-11-01' }, finance);
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  describe('staffing a request', () => {
    const staff = `mutation($id: ID!, $input: StaffRequestInput!, $key: String) {
      staffRequest(id: $id, input: $input, idempotencyKey: $key) { id status assignment { id status plannedHours startDate endDate worker { id } role { id } } }
    }`;
    const request = async (roleId: string, hours: string) =>
      (await call(`mutation($input: CreateStaffingRequestInput!) { createStaffingRequest(input: $input) { id } }`, {
        input: { roleId, hours, startDate: '2026-11-16', endDate: '2026-11-20', projectId: firm.projects.p2 },
      })).createStaffingRequest.id as string;

    it('refuses to book past capacity with the weeks, then books what fits, once per idempotency key', async () => {
      const id = await request(firm.roles.consultant, '40');
      // cy in W47: 32 h capacity (holiday on the 18th), 23.53 already booked on P1; 40 more would make 63.53.
      const refused = await graph.query(staff, { id, input: { workerId: firm.workers.cy } }, resourceManager);
      assert.equal(refused.errors?.[0]?.extensions?.code, 'OVERBOOKED');
      assert.deepEqual(refused.errors?.[0]?.extensions?.weeks, [{ start: '2026-11-16', end: '2026-11-20', capacityHours: '32.00', bookedHours: '63.53', limitHours: '32.00' }]);
      const manager: Identity = { roles: ['MANAGER'], workerId: firm.workers.mia };
      const notTheirs = await graph.query(staff, { id, input: { workerId: firm.workers.cy, overrideOverbooking: true } }, manager);
      assert.equal(notTheirs.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      const { staffingRequest: untouched } = await call(`query($id: ID!) { staffingRequest(id: $id) { status assignment { id } } }`, { id });
      assert.deepEqual(untouched, { status: 'OPEN', assignment: null });

      const input = { workerId: firm.workers.cy, plannedHours: '8' }; // 31.53 of 32
      const first = (await call(staff, { id, input, key: 'staff-cy-p2' }, manager)).staffRequest;
      assert.equal(first.status, 'FILLED');
      assert.deepEqual({ ...first.assignment, id: undefined }, {
        id: undefined, status: 'CONFIRMED', plannedHours: '8.00', startDate: '2026-11-16', endDate: '2026-11-20', worker: { id: firm.workers.cy }, role: { id: firm.roles.consultant },
      });
      const retry = (await call(staff, { id, input, key: 'staff-cy-p2' }, manager)).staffRequest;
      assert.equal(retry.assignment.id, first.assignment.id);
      const again = await graph.query(staff, { id, input }, manager);
      assert.equal(again.errors?.[0]?.extensions?.code, 'INVALID_TRANSITION');
    });

    it('lets a resource manager book past the limit on purpose, and never staffs a deal that is not a project yet', async () => {
      const id = await request(firm.roles.architect, '40');
      const { staffRequest } = await call(staff, { id, input: { workerId: firm.workers.mia, overrideOverbooking: true } }, resourceManager);
      assert.equal(staffRequest.status, 'FILLED');
      const { availability: mia } = await call(availability, { roleId: firm.roles.architect, minHours: '-1000' }, resourceManager);
      assert.deepEqual(mia.find((c: any) => c.worker.name === 'Mia').weeks[2], {
        start: '2026-11-16', end: '2026-11-22', capacityHours: '32.00', bookedHours: '40.00', tentativeHours: '11.36', freeHours: '-8.00',
      });
      const { staffingRequests } = await call(`{ staffingRequests(filter: { demand: TENTATIVE }) { nodes { id } } }`);
      const deal = await graph.query(staff, { id: staffingRequests.nodes[0].id, input: { workerId: firm.workers.mia } }, resourceManager);
      assert.equal(deal.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    });
  });

  it("cancels a lost deal's open requests, and so its tentative demand", async () => {
    const { createOpportunity } = await call(`mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id } }`, {
      input: { customerId: firm.customers.acme, name: 'ACME audit', probability: 50, billingMethod: 'TIME_AND_MATERIALS', legalEntityId: firm.legalEntity },
    });
    const { createStaffingRequest } = await call(`mutation($input: CreateStaffingRequestInput!) { createStaffingRequest(input: $input) { id status } }`, {
      input: { roleId: firm.roles.consultant, hours: '100', startDate: '2026-12-01', endDate: '2026-12-31', opportunityId: createOpportunity.id },
    });
    const december = { groupBy: 'ROLE', period: 'MONTH', from: '2026-12-01', to: '2026-12-31' };
    const consultantTentative = async () =>
      (await call(capacityVsDemand, december, resourceManager)).capacityVsDemand.find((row: any) => row.role?.id === firm.roles.consultant).weightedTentativeHours;
    assert.equal(await consultantTentative(), '50.00');
    await call(`mutation($id: ID!) { closeOpportunityLost(id: $id, reason: "budget cut") { id } }`, { id: createOpportunity.id });
    await graph.hub.settle();
    const { staffingRequest } = await call(`query($id: ID!) { staffingRequest(id: $id) { status } }`, { id: createStaffingRequest.id });
    assert.equal(staffingRequest.status, 'CANCELLED');
    assert.equal(await consultantTentative(), '0.00');
  });
});

import assert from 'node:assert/strict';
import type { Identity } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { eventually } from './eventually.ts';
import type { HubHarness } from './hub-harness.ts';
import { dataOf } from './subgraph-harness.ts';

/**
 * A small firm built through the API for the KPI tests, with "today" pinned to Wednesday 2026-12-09. One legal
 * entity, two cost centers (Consulting, Architecture), two roles (consultant, target 75; architect, target 60), two
 * calendars sharing a public holiday on Wednesday 2026-11-18 (full time: 8 h Monday to Friday; part time: 6 h Monday
 * to Thursday), and four workers:
 * - ana: consultant, Consulting, full time, own target 80, approved leave Monday-Tuesday 23-24 November;
 * - ben: consultant, Consulting, part time;
 * - cy: architect, Architecture, full time, hired Monday 16 November (mid-period);
 * - mia: architect, Architecture, full time, ana's and ben's manager; logs no time.
 * Two won deals (ACME → P1, budget 400 h; Globex → P2), each with a billable and a non-billable task.
 */
export const TODAY = '2026-12-09';
export const kpiClock: Clock = { now: () => new Date(`${TODAY}T12:00:00Z`) };

export interface KpiFirm {
  workers: { ana: string; ben: string; cy: string; mia: string };
  roles: { consultant: string; architect: string };
  costCenters: { consulting: string; architecture: string };
  legalEntity: string;
  customers: { acme: string; globex: string };
  projects: { p1: string; p2: string };
  tasks: { p1: string; p1Internal: string; p2: string };
  assignments: { anaP1: string; anaP2: string; benP2: string; cyP1: string; miaP1: string };
}

type Call = (query: string, variables?: Record<string, unknown>, as?: Identity) => Promise<any>;

export async function buildKpiFirm(graph: HubHarness): Promise<KpiFirm> {
  const call: Call = async (query, variables = {}, as = { roles: ['ADMIN'], workerId: null }) => dataOf(await graph.query(query, variables, as));
  const id = async (query: string, variables: Record<string, unknown>) => Object.values(await call(query, variables)).map((v: any) => v.id)[0] as string;

  const legalEntity = await id(`mutation { createLegalEntity(input: { code: "PSG-DE", name: "psgraph GmbH", country: "DE", currency: "EUR" }) { id } }`, {});
  const costCenter = (code: string, name: string) =>
    id(`mutation($input: CreateCostCenterInput!) { createCostCenter(input: $input) { id } }`, { input: { code, name, legalEntityId: legalEntity } });
  const costCenters = { consulting: await costCenter('CONS', 'Consulting'), architecture: await costCenter('ARCH', 'Architecture') };
  const role = (code: string, name: string, targetUtilization: string) =>
    id(`mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`, { input: { code, name, targetUtilization } });
  const roles = { consultant: await role('CONSULTANT', 'Consultant', '75.00'), architect: await role('ARCHITECT', 'Architect', '60.00') };
  const holidays = [{ date: '2026-11-18', name: 'Buß- und Bettag' }];
  const calendar = (name: string, hoursPerDay: string, workingDays: number[]) =>
    id(`mutation($input: CreateWorkCalendarInput!) { createWorkCalendar(input: $input) { id } }`, { input: { name, hoursPerDay, workingDays, holidays } });
  const fullTime = await calendar('Full time', '8.00', [1, 2, 3, 4, 5]);
  const partTime = await calendar('Part time', '6.00', [1, 2, 3, 4]);
  const worker = (name: string, roleId: string, costCenterId: string, calendarId: string, hireDate: string, extra: Record<string, unknown> = {}) =>
    id(`mutation($input: CreateWorkerInput!) { createWorker(input: $input) { id } }`, {
      input: {
        employeeNumber: `E-${name}`, name, email: `${name.toLowerCase()}@psgraph.test`, kind: 'EMPLOYEE', roleId, costCenterId,
        legalEntityId: legalEntity, location: 'Berlin', calendarId, hireDate, ...extra,
      },
    });
  const mia = await worker('Mia', roles.architect, costCenters.architecture, fullTime, '2020-01-01');
  const workers = {
    ana: await worker('Ana', roles.consultant, costCenters.consulting, fullTime, '2024-01-01', { managerId: mia, targetUtilization: '80.00' }),
    ben: await worker('Ben', roles.consultant, costCenters.consulting, partTime, '2024-01-01', { managerId: mia }),
    cy: await worker('Cy', roles.architect, costCenters.architecture, fullTime, '2026-11-16'),
    mia,
  };
  await call(`mutation($input: CreateLeaveInput!) { createLeave(input: $input) { id } }`, {
    input: { workerId: workers.ana, type: 'VACATION', startDate: '2026-11-23', endDate: '2026-11-24' },
  });

  const rates = [
    { roleId: roles.consultant, billRate: '150.00', effectiveFrom: '2026-10-01' },
    { roleId: roles.architect, billRate: '190.00', effectiveFrom: '2026-10-01' },
  ];
  async function wonDeal(name: string, code: string, soldHours: string | null) {
    const customerId = await id(`mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, { input: { name, code, currency: 'EUR' } });
    const opportunityId = await id(`mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id } }`, {
      input: { customerId, name: `${name} rollout`, probability: 80, billingMethod: 'TIME_AND_MATERIALS', legalEntityId: legalEntity },
    });
    const won = await call(`mutation($id: ID!, $input: CloseOpportunityWonInput!) { closeOpportunityWon(id: $id, input: $input) { contract { id } } }`, {
      id: opportunityId,
      input: { contractNumber: `${code}-001`, currency: 'EUR', soldHours, startDate: '2026-10-01', endDate: '2027-03-31', rates },
    });
    await graph.hub.settle();
    const projectId = await eventually(async () => {
      const { contract } = await call(`query($id: ID!) { contract(id: $id) { projects { nodes { id status } } } }`, { id: won.closeOpportunityWon.contract.id });
      assert.equal(contract.projects.nodes[0]?.status, 'ACTIVE');
      return contract.projects.nodes[0].id as string;
    });
    return { customerId, projectId };
  }
  const acme = await wonDeal('ACME', 'ACME', '400');
  const globex = await wonDeal('Globex', 'GLOBEX', null);
  const task = (projectId: string, wbs: string, billable: boolean) =>
    id(`mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }`, { input: { projectId, wbs, name: billable ? 'Delivery' : 'Internal', billable } });
  const tasks = { p1: await task(acme.projectId, '1', true), p1Internal: await task(acme.projectId, '2', false), p2: await task(globex.projectId, '1', true) };
  const assignment = (projectId: string, workerId: string, roleId: string, startDate: string, plannedHours: string, status = 'CONFIRMED') =>
    id(`mutation($input: CreateAssignmentInput!) { createAssignment(input: $input) { id } }`, {
      input: { projectId, workerId, roleId, startDate, endDate: '2026-12-31', plannedHours, status },
    });
  const assignments = {
    anaP1: await assignment(acme.projectId, workers.ana, roles.consultant, '2026-11-02', '300'),
    anaP2: await assignment(globex.projectId, workers.ana, roles.consultant, '2026-11-02', '20'),
    benP2: await assignment(globex.projectId, workers.ben, roles.consultant, '2026-11-02', '100'),
    cyP1: await assignment(acme.projectId, workers.cy, roles.architect, '2026-11-16', '160'),
    // Tentative: shown in forward planning, not in the plan the forecast holds the project to.
    miaP1: await assignment(acme.projectId, workers.mia, roles.architect, '2026-11-02', '100', 'TENTATIVE'),
  };
  return {
    workers, roles, costCenters, legalEntity,
    customers: { acme: acme.customerId, globex: globex.customerId },
    projects: { p1: acme.projectId, p2: globex.projectId },
    tasks, assignments,
  };
}

/** The firm's November (see the test for what each entry is for); returns the ids the tests act on. */
export async function logNovember(graph: HubHarness, firm: KpiFirm) {
  const call: Call = async (query, variables = {}, as = { roles: ['ADMIN'], workerId: null }) => dataOf(await graph.query(query, variables, as));
  const asWorker = (workerId: string): Identity => ({ roles: ['WORKER'], workerId });
  async function log(workerId: string, entries: Array<[date: string, hours: string, taskId: string]>): Promise<string[]> {
    const inputs = entries.map(([date, hours, taskId]) => ({
      projectId: taskId === firm.tasks.p2 ? firm.projects.p2 : firm.projects.p1,
      taskId,
      date,
      hours,
    }));
    const results = (await call(`mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { index code message } } }`, { inputs }, asWorker(workerId))).logTimeEntries;
    return results.map((result: any) => {
      assert.equal(result.error, null, JSON.stringify(result.error));
      return result.entry.id as string;
    });
  }
  const submit = (workerId: string, ids: string[]) => call(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids }, asWorker(workerId));
  const approve = (ids: string[]) => call(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids });
  const days = (dates: string[], hours: string, taskId: string) => dates.map((date): [string, string, string] => [date, hours, taskId]);
  const { p1, p1Internal, p2 } = firm.tasks;

  // ana: W45 5 × 8 on P1; W46 4 × 8 on P1 (Monday's later corrected to 6) + Friday 8 on P2; W47 (holiday Wednesday)
  // Monday-Tuesday 8 on P1, Thursday-Friday 8 non-billable; W48 (leave Monday-Tuesday) Wednesday-Friday 8 on P1,
  // Friday's rejected.
  const ana = await log(firm.workers.ana, [
    ...days(['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06'], '8.00', p1),
    ...days(['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12'], '8.00', p1),
    ['2026-11-13', '8.00', p2],
    ...days(['2026-11-16', '2026-11-17'], '8.00', p1),
    ...days(['2026-11-19', '2026-11-20'], '8.00', p1Internal),
    ...days(['2026-11-25', '2026-11-26', '2026-11-27'], '8.00', p1),
  ]);
  await submit(firm.workers.ana, ana);
  const rejected = ana.at(-1)!;
  await approve(ana.slice(0, -1));
  await call(`mutation($ids: [ID!]!) { rejectTimeEntries(ids: $ids, reason: "wrong project") { id } }`, { ids: [rejected] });
  const reversed = ana[5];
  const { correctTimeEntry } = await call(
    `mutation($id: ID!) { correctTimeEntry(id: $id, expectedVersion: 3, input: { hours: "6.00" }, reason: "two hours were internal") { id } }`,
    { id: reversed },
    asWorker(firm.workers.ana),
  );
  await approve([correctTimeEntry.id]);

  // ben (part time, 6 h Monday-Thursday) on P2: W45 4 × 6; W46 4 × 5; W47 Monday, Tuesday, Thursday 6; W48 drafts only.
  const ben = await log(firm.workers.ben, [
    ...days(['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'], '6.00', p2),
    ...days(['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12'], '5.00', p2),
    ...days(['2026-11-16', '2026-11-17', '2026-11-19'], '6.00', p2),
  ]);
  await submit(firm.workers.ben, ben);
  await approve(ben);
  await log(firm.workers.ben, days(['2026-11-23', '2026-11-24'], '6.00', p2));

  // cy (hired 16 November) on P1: W47 Monday, Tuesday, Thursday, Friday 8; W48 Monday-Thursday 8, and Friday 8
  // non-billable left SUBMITTED (awaiting approval: not counted).
  const cy = await log(firm.workers.cy, [
    ...days(['2026-11-16', '2026-11-17', '2026-11-19', '2026-11-20'], '8.00', p1),
    ...days(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26'], '8.00', p1),
    ['2026-11-27', '8.00', p1Internal],
  ]);
  await submit(firm.workers.cy, cy);
  await approve(cy.slice(0, -1));
  await graph.hub.settle();
  return { rejected, reversed, correction: correctTimeEntry.id as string };
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import type { Identity, Role } from '../../lib/auth/identity.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { payrollCsvHeader } from '../../gateway/payroll-export.ts';
import { timeEntryColumns, timeEntryMoneyColumns } from '../../gateway/time-entry-export.ts';
import { approvedEntry } from '../support/demo-work.ts';
import { startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';
import { liveClient } from '../support/live-client.ts';

/**
 * README "Field-level access", case by case through the gateway: every commercial field of the matrix, reached at the
 * root, nested, in lists and through entity references across subgraphs, as each kind of caller; then subscription
 * payloads and the exports. A refusal is the field null, FORBIDDEN on its path, and the rest of the answer served.
 */
type Caller = 'WORKER' | 'PROJECT_MANAGER' | 'OTHER_MANAGER' | 'RESOURCE_MANAGER' | 'FINANCE' | 'ADMIN';
const everyone: readonly Caller[] = ['WORKER', 'PROJECT_MANAGER', 'OTHER_MANAGER', 'RESOURCE_MANAGER', 'FINANCE', 'ADMIN'];
/** A path in the answer; `{ id }` stands for the index of the list's node with that id. */
type Path = readonly (string | number | { id: string })[];

const today = new Date().toISOString().slice(0, 10);
const firm = planDemoFirm({ scale: 1, today });

/**
 * The demo firm's people for the cases: a worker (no one's manager) staffed today on an ACTIVE time-and-materials
 * project with a not-to-exceed cap; the MANAGER of that project; and the worker's line manager, who manages other
 * projects but not this one: "another MANAGER" who sees the worker's time entries, as the cases on them need.
 */
const projectManagers = new Set(firm.projects.map((p) => p.managerId));
const lineManagers = new Set(firm.workers.map((w) => w.managerId));
const workOf = firm.assignments
  .map((assignment) => {
    const project = firm.projects.find((p) => p.id === assignment.projectId)!;
    const contract = firm.contracts.find((c) => c.id === project.contractId)!;
    const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
    const task = firm.tasks.find((t) => t.projectId === project.id && t.billable && t.status === 'OPEN');
    return { assignment, project, contract, worker, task };
  })
  .find(({ assignment, project, contract, worker, task }) =>
    assignment.status === 'CONFIRMED' && assignment.startDate <= today && assignment.endDate >= today
    && project.status === 'ACTIVE'
    && contract.billingMethod === 'TIME_AND_MATERIALS' && contract.notToExceed !== null && task !== undefined
    && worker.status === 'ACTIVE' && worker.managerId !== null && !projectManagers.has(worker.id) && !lineManagers.has(worker.id)
    && worker.managerId !== project.managerId && projectManagers.has(worker.managerId));
if (!workOf) throw new Error('the demo firm has no work fit for the field-access cases');
const { assignment, project, contract, worker, task } = workOf;
const rate = contract.rates.find((r) => r.effectiveFrom <= today && (r.effectiveTo === null || r.effectiveTo >= today))!;
const opportunity = firm.opportunities.find((o) => o.amount !== null)!;

const identities: Record<Caller, Identity> = {
  WORKER: { roles: ['WORKER'], workerId: worker.id },
  PROJECT_MANAGER: { roles: ['WORKER', 'MANAGER'], workerId: project.managerId },
  OTHER_MANAGER: { roles: ['WORKER', 'MANAGER'], workerId: worker.managerId },
  RESOURCE_MANAGER: { roles: ['RESOURCE_MANAGER'], workerId: null },
  FINANCE: { roles: ['FINANCE'], workerId: null },
  ADMIN: { roles: ['ADMIN'], workerId: null },
};

interface Case {
  /** The field and the way it is reached. */
  readonly name: string;
  readonly query: string;
  /** Where the field is in the answer. */
  readonly path: Path;
  /** Where the refusal's error is, when not on `path` (a figure computed from a refused field). */
  readonly errorPath?: Path;
  /** A field beside it that every caller asked gets (partial data). */
  readonly beside?: Path;
  readonly shown: readonly Caller[];
  /** Who is asked (default everyone): time's record visibility decides who sees a time entry at all. */
  readonly callers?: readonly Caller[];
}

const timeCallers: readonly Caller[] = ['WORKER', 'OTHER_MANAGER', 'RESOURCE_MANAGER', 'FINANCE', 'ADMIN'];
const ratesReaders: readonly Caller[] = ['RESOURCE_MANAGER', 'FINANCE', 'ADMIN'];
const financeOnly: readonly Caller[] = ['FINANCE', 'ADMIN'];
const projectReaders: readonly Caller[] = ['PROJECT_MANAGER', 'RESOURCE_MANAGER', 'FINANCE', 'ADMIN'];

/** Every case's variables, filled in `before`: the entry the worker logged and the milestone added to the project. */
const ids = { entry: '', milestone: '' };

const cases: Case[] = [
  // crm
  {
    name: 'Rate.billRate in projects → contract → rateCard → rates (psa → crm, the reported leak)',
    query: `{ projects(filter: { ids: ["${project.id}"] }) {
      nodes { code contract { number rateCard { rates { billRate { amount } } } } } } }`,
    path: ['projects', 'nodes', 0, 'contract', 'rateCard', 'rates', 0, 'billRate'],
    beside: ['projects', 'nodes', 0, 'contract', 'number'],
    shown: ratesReaders,
  },
  {
    name: 'Rate.billRate in rateCard(id) → rateFor (crm root)',
    query: `{ rateCard(id: "${contract.rateCardId}") {
      currency rateFor(roleId: "${rate.roleId}", date: "${today}") { billRate { amount } } } }`,
    path: ['rateCard', 'rateFor', 'billRate'],
    beside: ['rateCard', 'currency'],
    shown: ratesReaders,
  },
  {
    name: 'Contract.soldHours in contract(id)',
    query: `{ contract(id: "${contract.id}") { number soldHours } }`,
    path: ['contract', 'soldHours'],
    beside: ['contract', 'number'],
    shown: financeOnly,
  },
  {
    name: 'Contract.amount in project → contract (psa → crm)',
    query: `{ project(id: "${project.id}") { code contract { number amount { amount } } } }`,
    path: ['project', 'contract', 'amount'],
    beside: ['project', 'contract', 'number'],
    shown: financeOnly,
  },
  {
    name: 'Contract.notToExceed in contracts (a list)',
    query: `{ contracts(filter: { customerId: "${contract.customerId}" }) { nodes { id number notToExceed { amount } } } }`,
    path: ['contracts', 'nodes', { id: contract.id }, 'notToExceed'],
    beside: ['contracts', 'nodes', { id: contract.id }, 'number'],
    shown: financeOnly,
  },
  {
    name: 'ContractAmendment.soldHoursDelta in contract → amendments',
    query: `{ contract(id: "${contract.id}") { number amendments { description soldHoursDelta } } }`,
    path: ['contract', 'amendments', 0, 'soldHoursDelta'],
    beside: ['contract', 'amendments', 0, 'description'],
    shown: financeOnly,
  },
  {
    name: 'ContractAmendment.amountDelta in contract → amendments',
    query: `{ contract(id: "${contract.id}") { number amendments { description amountDelta { amount } } } }`,
    path: ['contract', 'amendments', 0, 'amountDelta'],
    beside: ['contract', 'amendments', 0, 'description'],
    shown: financeOnly,
  },
  {
    name: 'Opportunity.amount in opportunity(id)',
    query: `{ opportunity(id: "${opportunity.id}") { name amount { amount } } }`,
    path: ['opportunity', 'amount'],
    beside: ['opportunity', 'name'],
    shown: ['PROJECT_MANAGER', 'OTHER_MANAGER', 'FINANCE', 'ADMIN'],
  },
  // hcm
  {
    name: 'Worker.costRates in worker(id)',
    query: `{ worker(id: "${worker.id}") { name costRates { cost { amount } } } }`,
    path: ['worker', 'costRates'],
    beside: ['worker', 'name'],
    shown: ratesReaders,
  },
  {
    name: 'Worker.costRateOn in project → assignments → worker (psa → hcm)',
    query: `{ project(id: "${project.id}") { code assignments(filter: { workerId: "${worker.id}" }) {
      nodes { worker { name costRateOn(date: "${today}") { cost { amount } } } } } } }`,
    path: ['project', 'assignments', 'nodes', 0, 'worker', 'costRateOn'],
    beside: ['project', 'assignments', 'nodes', 0, 'worker', 'name'],
    shown: ratesReaders,
  },
  {
    name: 'Worker.costRates in me (their own)',
    query: `{ me { name costRates { cost { amount } } } }`,
    path: ['me', 'costRates'],
    beside: ['me', 'name'],
    shown: [],
    callers: ['WORKER'],
  },
  // psa
  {
    name: 'Project.budgetHours in projects (a list)',
    query: `{ projects(filter: { ids: ["${project.id}"] }) { nodes { code budgetHours } } }`,
    path: ['projects', 'nodes', 0, 'budgetHours'],
    beside: ['projects', 'nodes', 0, 'code'],
    shown: projectReaders,
  },
  {
    name: 'Project.budgetAmount in customer → projects (crm → psa)',
    query: `{ customer(id: "${project.customerId}") {
      name projects(filter: { ids: ["${project.id}"] }) { nodes { code budgetAmount { amount } } } } }`,
    path: ['customer', 'projects', 'nodes', 0, 'budgetAmount'],
    beside: ['customer', 'projects', 'nodes', 0, 'code'],
    shown: projectReaders,
  },
  {
    name: 'Project.budgetAmount in timeEntry → project (time → psa)',
    query: `query($entry: ID!) { timeEntry(id: $entry) { hours project { code budgetAmount { amount } } } }`,
    path: ['timeEntry', 'project', 'budgetAmount'],
    beside: ['timeEntry', 'project', 'code'],
    shown: ['RESOURCE_MANAGER', 'FINANCE', 'ADMIN'],
    callers: timeCallers,
  },
  {
    name: 'Assignment.billRateOverride in assignment(id)',
    query: `{ assignment(id: "${assignment.id}") { startDate billRateOverride { amount } } }`,
    path: ['assignment', 'billRateOverride'],
    beside: ['assignment', 'startDate'],
    shown: projectReaders,
  },
  {
    name: 'Assignment.billRateOverride in worker → assignments (hcm → psa)',
    query: `{ worker(id: "${worker.id}") {
      name assignments(filter: { projectId: "${project.id}" }) { nodes { startDate billRateOverride { amount } } } } }`,
    path: ['worker', 'assignments', 'nodes', 0, 'billRateOverride'],
    beside: ['worker', 'assignments', 'nodes', 0, 'startDate'],
    shown: projectReaders,
  },
  {
    name: 'Assignment.billRateOverride in me → assignments (their own)',
    query: `{ me {
      name assignments(filter: { projectId: "${project.id}" }) { nodes { startDate billRateOverride { amount } } } } }`,
    path: ['me', 'assignments', 'nodes', 0, 'billRateOverride'],
    beside: ['me', 'assignments', 'nodes', 0, 'startDate'],
    shown: [],
    callers: ['WORKER'],
  },
  {
    name: 'Milestone.amount in project → milestones',
    query: `{ project(id: "${project.id}") { code milestones { nodes { name amount { amount } } } } }`,
    path: ['project', 'milestones', 'nodes', 0, 'amount'],
    beside: ['project', 'milestones', 'nodes', 0, 'name'],
    shown: ['PROJECT_MANAGER', 'FINANCE', 'ADMIN'],
  },
  {
    name: 'Milestone.amount in milestone(id)',
    query: `query($milestone: ID!) { milestone(id: $milestone) { name amount { amount } } }`,
    path: ['milestone', 'amount'],
    beside: ['milestone', 'name'],
    shown: ['PROJECT_MANAGER', 'FINANCE', 'ADMIN'],
  },
  // time: figures computed from psa's budget (time refuses the forecast itself to a plain worker)
  {
    name: 'ProjectForecast.budgetHours in project → forecast (time, from psa budgetHours @requires)',
    query: `{ project(id: "${project.id}") { code forecast { plannedHours budgetHours } } }`,
    path: ['project', 'forecast', 'budgetHours'],
    errorPath: ['project', 'budgetHours'],
    beside: ['project', 'forecast', 'plannedHours'],
    shown: projectReaders,
    callers: ['PROJECT_MANAGER', 'OTHER_MANAGER', 'RESOURCE_MANAGER', 'FINANCE', 'ADMIN'],
  },
  // erp
  {
    name: 'Project.financials in project (psa → erp, the manager handed over by @requires)',
    query: `{ project(id: "${project.id}") { code financials { costToDate { amount } margin { amount } budgetBurnPercent } } }`,
    path: ['project', 'financials'],
    beside: ['project', 'code'],
    shown: ['PROJECT_MANAGER', 'FINANCE', 'ADMIN'],
  },
  {
    name: 'TimeEntry.billing (the status) in timeEntry (time → erp)',
    query: `query($entry: ID!) { timeEntry(id: $entry) { hours billing { status } } }`,
    path: ['timeEntry', 'billing'],
    shown: ['OTHER_MANAGER', 'FINANCE', 'ADMIN'],
    callers: timeCallers,
  },
  {
    name: 'the ledger: TimeEntryBilling.billingEvent (rate, amount) in timeEntry → billing',
    query: `query($entry: ID!) { timeEntry(id: $entry) {
      hours billing { status billingEvent { rate { amount } amount { amount } } } } }`,
    path: ['timeEntry', 'billing', 'billingEvent'],
    beside: ['timeEntry', 'billing', 'status'],
    shown: financeOnly,
    callers: ['OTHER_MANAGER', 'FINANCE', 'ADMIN'],
  },
  {
    name: 'the ledger: Customer.arBalance in customer (crm → erp)',
    query: `{ customer(id: "${project.customerId}") { name arBalance { amount } } }`,
    path: ['customer', 'arBalance'],
    shown: financeOnly,
  },
];

/** The path with each `{ id }` turned into the index of that node in the answer. */
function located(data: unknown, path: Path): (string | number)[] {
  const keys: (string | number)[] = [];
  let node = data as any;
  for (const segment of path) {
    const key = typeof segment === 'object' ? (node as Array<{ id: string }>).findIndex((item) => item?.id === segment.id) : segment;
    keys.push(key);
    node = node?.[key];
  }
  return keys;
}

const at = (data: unknown, path: Path): unknown => located(data, path).reduce<any>((node, key) => node?.[key], data);

describe('field-level access to commercial data (README "Field-level access")', () => {
  let graph: HubHarness;
  const as = (caller: Caller) => identities[caller];

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, subscriptions: { batchWindowMs: 150 } });
    // Data for every row to show something to those who may see it: an override, a milestone, an amendment, and an
    // approved entry of the worker (billed by erp) on the project.
    const override = `mutation($id: ID!) { updateAssignment(id: $id, input: { billRateOverride: "150.00" }) { id } }`;
    dataOf(await graph.query(override, { id: assignment.id }));
    const milestone = { projectId: project.id, name: 'Field-access review', amount: '1000.00', dueDate: today };
    const create = `mutation($input: CreateMilestoneInput!) { createMilestone(input: $input) { id } }`;
    const created = await graph.query(create, { input: milestone });
    ids.milestone = dataOf(created).createMilestone.id;
    const amendment = { effectiveDate: today, description: 'More hours', soldHoursDelta: '10.00', amountDelta: '1500.00' };
    const amend = `mutation($id: ID!, $input: AmendContractInput!) { amendContract(id: $id, input: $input) { id } }`;
    dataOf(await graph.query(amend, { id: contract.id, input: amendment }, as('FINANCE')));
    const work = { assignment, worker, task: task!, today, asWorker: as('WORKER'), asManager: as('OTHER_MANAGER') };
    ids.entry = (await approvedEntry(graph, work, '1.50')).id;
    await graph.hub.settle();
  });
  after(() => graph.close());

  for (const { name, query, path, errorPath, beside, shown: readers, callers } of cases) {
    for (const caller of callers ?? everyone) {
      const shown = readers.includes(caller);
      it(`${name}: ${caller} ${shown ? 'reads it' : 'is refused'}`, async () => {
        const result = await graph.query(query, ids, as(caller));
        if (shown) {
          assert.equal(result.errors, undefined, JSON.stringify(result.errors));
          assert.notEqual(at(result.data, path), null, `${path.join('.')} is shown`);
          assert.notEqual(at(result.data, path), undefined, `${path.join('.')} is shown`);
        } else {
          const expected = JSON.stringify(located(result.data, errorPath ?? path));
          const refusal = result.errors?.find((error) => JSON.stringify((error as { path?: Path }).path) === expected);
          assert.ok(refusal, `a FORBIDDEN error on ${(errorPath ?? path).join('.')}: ${JSON.stringify(result.errors)}`);
          assert.equal(refusal.extensions?.code, 'FORBIDDEN');
          assert.equal(at(result.data, path) ?? null, null, `${path.join('.')} is withheld`);
        }
        if (beside) assert.notEqual(at(result.data, beside) ?? null, null, `${beside.join('.')} is served all the same`);
      });
    }
  }

  describe('subscriptions: payloads are resolved as the subscriber', () => {
    const clients: Client[] = [];
    after(async () => {
      for (const client of clients.splice(0)) await client.dispose();
    });

    /** Subscribes as each caller, runs `trigger`, and returns each caller's first result. */
    async function firstResults(callers: readonly Caller[], query: string, trigger: () => Promise<void>) {
      const before = graph.hub.gateway.live!.subscriberCount;
      const results = new Map<Caller, any[]>();
      for (const caller of callers) {
        const identity = as(caller);
        const token = await signBearerToken({ roles: [...identity.roles] as Role[], workerId: identity.workerId }, testJwtSecret);
        const client = liveClient(graph.url, token);
        clients.push(client);
        const received: any[] = [];
        results.set(caller, received);
        client.subscribe(
          { query },
          { next: (value) => void received.push(value), error: (error) => void received.push({ error }), complete: () => undefined },
        );
      }
      const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
      const deadline = Date.now() + 5000;
      // The protocol acknowledges no subscribe: wait until the gateway has registered them all.
      while (graph.hub.gateway.live!.subscriberCount < before + callers.length && Date.now() < deadline) await pause();
      await trigger();
      await graph.hub.settle();
      while ([...results.values()].some((received) => received.length === 0) && Date.now() < deadline + 5000) await pause();
      return new Map([...results].map(([caller, received]) => [caller, received[0]]));
    }

    interface SubscriptionCase {
      readonly name: string;
      readonly query: string;
      /** The change every subscriber hears of. */
      trigger(): Promise<void>;
      readonly path: Path;
      readonly shown: readonly Caller[];
      readonly callers: readonly Caller[];
    }
    const log = `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`;
    const subscriptionCases: SubscriptionCase[] = [
      {
        name: 'Project.budgetHours in timeEntryStatusChanged → project',
        query: `subscription { timeEntryStatusChanged(filter: { workerId: "${worker.id}" }) {
          id status project { code budgetHours } } }`,
        async trigger() {
          const input = { projectId: project.id, taskId: task!.id, date: today, hours: '0.25' };
          const { id } = dataOf(await graph.query(log, { input }, as('WORKER'))).logTimeEntry;
          dataOf(await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [id] }, as('WORKER')));
        },
        path: ['timeEntryStatusChanged', 'project', 'budgetHours'],
        shown: ['RESOURCE_MANAGER', 'FINANCE'],
        callers: ['WORKER', 'OTHER_MANAGER', 'RESOURCE_MANAGER', 'FINANCE'],
      },
      {
        name: 'Project.budgetAmount in projectStatusChanged',
        query: `subscription { projectStatusChanged(filter: { projectId: "${project.id}" }) {
          code status budgetAmount { amount } } }`,
        async trigger() {
          dataOf(await graph.query(`mutation($id: ID!) { holdProject(id: $id) { status } }`, { id: project.id }));
          dataOf(await graph.query(`mutation($id: ID!) { resumeProject(id: $id) { status } }`, { id: project.id }));
        },
        path: ['projectStatusChanged', 'budgetAmount'],
        shown: ['PROJECT_MANAGER', 'RESOURCE_MANAGER', 'FINANCE'],
        callers: ['WORKER', 'PROJECT_MANAGER', 'OTHER_MANAGER', 'RESOURCE_MANAGER', 'FINANCE'],
      },
    ];

    for (const row of subscriptionCases) {
      const refused = row.callers.filter((caller) => !row.shown.includes(caller));
      it(`${row.name}: ${row.shown.join(', ')} read it; ${refused.join(', ')} are refused`, async () => {
        const results = await firstResults(row.callers, row.query, row.trigger);
        for (const caller of row.callers) {
          const result = results.get(caller);
          assert.ok(result?.data, `${caller} received the change: ${JSON.stringify(result)}`);
          if (row.shown.includes(caller)) {
            assert.equal(result.errors, undefined, `${caller}: ${JSON.stringify(result.errors)}`);
            assert.notEqual(at(result.data, row.path) ?? null, null, `${caller} reads ${row.path.join('.')}`);
          } else {
            assert.equal(at(result.data, row.path), null, `${caller} does not read ${row.path.join('.')}`);
            const expected = JSON.stringify(row.path);
            const refusal = result.errors?.find((error: { path?: Path }) => JSON.stringify(error.path) === expected);
            assert.equal(refusal?.extensions?.code, 'FORBIDDEN', `${caller}: ${JSON.stringify(result.errors)}`);
          }
        }
      });
    }
  });

  describe('exports run as the caller and carry money only for the ledger’s readers', () => {
    // A cost center is an organisational unit, not money.
    const commercial = /rate|amount|budget|cost(?!_center)|price|margin|financ|invoice|bill(ed|ing)|revenue|balance/i;
    const entries = `/exports/time-entries.csv?from=${today}&to=${today}`;
    const payroll = `/exports/payroll.csv?from=${today}&to=${today}`;
    const exportCases: Array<{ path: string; caller: Caller; status: number; header?: readonly string[] }> = [
      { path: entries, caller: 'WORKER', status: 200, header: timeEntryColumns },
      { path: entries, caller: 'OTHER_MANAGER', status: 200, header: timeEntryColumns },
      // FINANCE reads the ledger: its export adds each entry's billed and cost money (erp-exports.test.ts).
      { path: entries, caller: 'FINANCE', status: 200, header: [...timeEntryColumns, ...timeEntryMoneyColumns] },
      { path: `/exports/billing-events.csv?from=${today}`, caller: 'PROJECT_MANAGER', status: 403 },
      { path: `/exports/invoices.csv?from=${today}`, caller: 'RESOURCE_MANAGER', status: 403 },
      { path: `/exports/revenue.csv?from=${today}&to=${today}`, caller: 'WORKER', status: 403 },
      { path: payroll, caller: 'FINANCE', status: 200, header: payrollCsvHeader },
      { path: payroll, caller: 'WORKER', status: 403 },
      { path: payroll, caller: 'PROJECT_MANAGER', status: 403 },
    ];

    it('no export column is commercial but the ledger readers’ money columns', () => {
      for (const column of [...timeEntryColumns, ...payrollCsvHeader]) assert.doesNotMatch(column, commercial);
    });

    for (const { path, caller, status, header } of exportCases) {
      it(`${path.split('?')[0]} as ${caller}: ${status}`, async () => {
        const identity = as(caller);
        const token = await signBearerToken({ roles: [...identity.roles] as Role[], workerId: identity.workerId }, testJwtSecret);
        const response = await fetch(graph.url.replace(/\/graphql$/, path), { headers: { authorization: `Bearer ${token}` } });
        const body = await response.text();
        assert.equal(response.status, status, body);
        if (!header) return;
        const [first, ...rows] = body.split('\r\n').filter(Boolean);
        assert.deepEqual(first.split(','), [...header]);
        if (caller === 'WORKER') {
          const workerColumn = header.indexOf('worker_id');
          assert.ok(rows.length > 0, 'the worker exports their own entries');
          for (const row of rows) assert.equal(row.split(',')[workerColumn], worker.id);
        }
      });
    }
  });
});

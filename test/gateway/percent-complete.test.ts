import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, type BillableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/** Hundredths of a decimal string with at most 2 places. */
const cents = (value: string) => {
  const [whole, fraction = ''] = value.split('.');
  return BigInt(whole + (fraction + '00').slice(0, 2));
};
const amountOf = (scaled: bigint) => `${scaled / 100n}.${String(scaled % 100n).padStart(2, '0')}`;
/** fee × hours ÷ budget (all in hundredths), rounded half-up to hundredths. */
const earned = (fee: bigint, hours: bigint, budget: bigint) => (2n * fee * hours + budget) / (2n * budget);

/**
 * A FIXED_FEE contract billed by percent complete (crm's `fixedFeeMethod`), through the gateway: each run bills fee ×
 * min(approved hours to date ÷ budget hours, 1) less what earlier runs billed.
 */
describe('percent-complete billing through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const fixedFee = new Map(firm.contracts.filter((c) => c.billingMethod === 'FIXED_FEE' && c.amount).map((c) => [c.id, c]));
  const activeProject = new Map(firm.projects.filter((p) => p.status === 'ACTIVE' && fixedFee.has(p.contractId)).map((p) => [p.id, p]));
  const assignment = firm.assignments.find((a) => {
    const worker = firm.workers.find((w) => w.id === a.workerId);
    return a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today && worker?.status === 'ACTIVE' && worker.managerId &&
      firm.tasks.some((t) => t.projectId === a.projectId && t.status === 'OPEN');
  })!;
  const contract = fixedFee.get(activeProject.get(assignment.projectId)!.contractId)!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const work: BillableWork = {
    assignment, worker, today, task: firm.tasks.find((t) => t.projectId === assignment.projectId && t.status === 'OPEN')!,
    asWorker: { roles: ['WORKER'], workerId: worker.id }, asManager: { roles: ['WORKER', 'MANAGER'], workerId: worker.managerId! },
  };
  const finance = { roles: ['FINANCE' as const] };
  const admin = { roles: ['ADMIN' as const] };

  const run = (key: string, identity: Parameters<HubHarness['query']>[2] = finance, contractId: string | null = contract.id) =>
    graph.query(`mutation($d: Date!, $c: ID, $k: String) { runPercentCompleteBilling(asOf: $d, contractId: $c, idempotencyKey: $k) { id sourceType status date amount { amount currency } } }`, { d: today, c: contractId, k: key }, identity);
  const projectsOfContract = async () =>
    dataOf(await graph.query(`query($c: ID!) { projects(first: 500, filter: { contractId: $c }) { nodes { id budgetHours } } }`, { c: contract.id }, admin)).projects.nodes as Array<{ id: string; budgetHours: string | null }>;
  /** Approved hours to date on the projects, as erp's cost postings (net of reversals) show them. */
  const hoursToDate = async (projectIds: string[]) => {
    let total = 0n;
    for (const projectId of projectIds) {
      let after: string | null = null;
      do {
        const page: any = dataOf(await graph.query(
          `query($p: ID!, $to: Date!, $after: String) { costPostings(first: 500, after: $after, filter: { projectId: $p, sourceType: TIME_ENTRY, to: $to }) { nodes { hours } pageInfo { hasNextPage endCursor } } }`,
          { p: projectId, to: today, after }, finance)).costPostings;
        for (const node of page.nodes) total += cents(node.hours ?? '0');
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
    }
    return total;
  };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('bills the fee by hours to date over budget hours, the difference on each run, never past the fee', async () => {
    const notYet = await run('not-yet');
    assert.equal(notYet.errors?.[0].extensions?.code, 'BAD_USER_INPUT', 'a contract not billed by percent complete');

    dataOf(await graph.query(`mutation($id: ID!) { updateContract(id: $id, input: { fixedFeeMethod: PERCENT_COMPLETE }) { fixedFeeMethod } }`, { id: contract.id }, finance));
    await eventually(async () => {
      const { contract: read } = dataOf(await graph.query(`query($id: ID!) { contract(id: $id) { fixedFeeMethod billingSetup { fixedFeeMethod } } }`, { id: contract.id }, finance));
      assert.deepEqual(read, { fixedFeeMethod: 'PERCENT_COMPLETE', billingSetup: { fixedFeeMethod: 'PERCENT_COMPLETE' } });
    });
    const tm = firm.contracts.find((c) => c.billingMethod === 'TIME_AND_MATERIALS')!;
    const wrong = await graph.query(`mutation($id: ID!) { updateContract(id: $id, input: { fixedFeeMethod: PERCENT_COMPLETE }) { id } }`, { id: tm.id }, finance);
    assert.equal(wrong.errors?.[0].extensions?.code, 'BAD_USER_INPUT', 'only a fixed-fee contract has a fixed-fee method');

    const denied = await run('denied', { roles: ['MANAGER'], workerId: work.asManager.workerId });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');

    // A budget of thrice the hours to date (plus a third of an hour, for awkward thirds).
    const projects = await projectsOfContract();
    const ids = projects.map((p) => p.id);
    const before = await hoursToDate(ids);
    const budget = before * 3n + 33n;
    for (const [index, project] of projects.entries()) {
      dataOf(await graph.query(`mutation($id: ID!, $b: Decimal) { updateProject(id: $id, input: { budgetHours: $b }) { id } }`, { id: project.id, b: index === 0 ? amountOf(budget) : null }, admin));
    }
    const fee = cents(contract.amount!);
    const first = dataOf(await run('first')).runPercentCompleteBilling;
    const due1 = earned(fee, before, budget);
    assert.deepEqual(first.map((e: any) => [e.sourceType, e.status, e.date, e.amount]), [['PERCENT_COMPLETE', 'UNBILLED', today, { amount: amountOf(due1), currency: contract.currency }]]);
    assert.deepEqual(dataOf(await run('first')).runPercentCompleteBilling, first, 'a retry returns the first result');
    assert.deepEqual(dataOf(await run('rerun')).runPercentCompleteBilling, [], 'nothing new: nothing billed');

    // Another 1.33 h approved: the next run bills only the difference.
    await approvedEntry(graph, work, '1.33');
    await eventually(async () => assert.equal(await hoursToDate(ids), before + 133n));
    const second = dataOf(await run('second')).runPercentCompleteBilling;
    assert.deepEqual(second.map((e: any) => e.amount.amount), [amountOf(earned(fee, before + 133n, budget) - due1)]);

    // Budget below the hours: 100 %, the rest of the fee and never more.
    dataOf(await graph.query(`mutation($id: ID!) { updateProject(id: $id, input: { budgetHours: "1.00" }) { id } }`, { id: projects[0].id }, admin));
    const third = dataOf(await run('third', finance, null)).runPercentCompleteBilling;
    const billedSoFar = earned(fee, before + 133n, budget);
    assert.deepEqual(third.map((e: any) => e.amount.amount), [amountOf(fee - billedSoFar)]);
    assert.deepEqual(dataOf(await run('fourth')).runPercentCompleteBilling, [], 'the fee is billed in full');

    // The revenue schedule recognizes the fee by percent complete: the runs of this month, the whole fee.
    const monthStart = `${today.slice(0, 7)}-01`;
    const revenue = (identity: Parameters<HubHarness['query']>[2]) =>
      graph.query(`query($from: Date!, $to: Date!, $c: ID!) { revenueSchedule(from: $from, to: $to, period: MONTH, filter: { contractIds: [$c] }) { periodStart periodEnd method amount { amount currency } contract { id } } }`, { from: monthStart, to: today, c: contract.id }, identity);
    assert.equal((await revenue({ roles: ['MANAGER'], workerId: work.asManager.workerId })).errors?.[0].extensions?.code, 'FORBIDDEN');
    const rows = dataOf(await revenue(finance)).revenueSchedule.filter((row: any) => row.method === 'PERCENT_COMPLETE');
    assert.deepEqual(rows, [{ periodStart: monthStart, periodEnd: today, method: 'PERCENT_COMPLETE', amount: { amount: amountOf(fee), currency: contract.currency }, contract: { id: contract.id } }]);
  });

  it('counts hours of a worker without a cost rate: the run is held (NO_COST_RATE), reconciliation names them, a re-drive releases', async () => {
    // Another fixed-fee contract than the test above, and a newcomer on it whom hcm has no cost rate for.
    const other = firm.assignments.find((a) => {
      const project = activeProject.get(a.projectId);
      const worker = firm.workers.find((w) => w.id === a.workerId);
      return project && project.contractId !== contract.id && a.status === 'CONFIRMED' && a.startDate <= today && a.endDate >= today &&
        worker?.status === 'ACTIVE' && worker.managerId && firm.tasks.some((t) => t.projectId === a.projectId && t.status === 'OPEN');
    })!;
    const feeContract = fixedFee.get(activeProject.get(other.projectId)!.contractId)!;
    const colleague = firm.workers.find((w) => w.id === other.workerId)!;
    const newcomer = dataOf(await graph.query(`mutation($input: CreateWorkerInput!) { createWorker(input: $input) { id } }`, {
      input: {
        employeeNumber: 'E-NO-RATE', name: 'No Rate', email: 'no.rate@psgraph.test', kind: 'CONTRACTOR', roleId: other.roleId, managerId: colleague.managerId,
        costCenterId: colleague.costCenterId, legalEntityId: colleague.legalEntityId, location: colleague.location, calendarId: colleague.calendarId, hireDate: '2020-01-01',
      },
    }, admin)).createWorker.id as string;
    const assignment = dataOf(await graph.query(`mutation($input: CreateAssignmentInput!) { createAssignment(input: $input) { id startDate endDate } }`, {
      input: { projectId: other.projectId, workerId: newcomer, roleId: other.roleId, startDate: other.startDate, endDate: other.endDate, status: 'CONFIRMED' },
    }, admin)).createAssignment;
    const newcomerWork: BillableWork = {
      assignment: { ...other, ...assignment, workerId: newcomer }, worker: { ...colleague, id: newcomer }, today,
      task: firm.tasks.find((t) => t.projectId === other.projectId && t.status === 'OPEN')!,
      asWorker: { roles: ['WORKER'], workerId: newcomer }, asManager: { roles: ['WORKER', 'MANAGER'], workerId: colleague.managerId! },
    };

    dataOf(await graph.query(`mutation($id: ID!) { updateContract(id: $id, input: { fixedFeeMethod: PERCENT_COMPLETE }) { fixedFeeMethod } }`, { id: feeContract.id }, finance));
    const projects = dataOf(await graph.query(`query($c: ID!) { projects(first: 500, filter: { contractId: $c }) { nodes { id } } }`, { c: feeContract.id }, admin)).projects.nodes as Array<{ id: string }>;
    const costed = await hoursToDate(projects.map((p) => p.id));
    const budget = costed * 3n + 33n;
    for (const project of projects) {
      dataOf(await graph.query(`mutation($id: ID!, $b: Decimal) { updateProject(id: $id, input: { budgetHours: $b }) { id } }`, { id: project.id, b: project.id === other.projectId ? amountOf(budget) : null }, admin));
    }
    await eventually(async () => {
      const { contract: read } = dataOf(await graph.query(`query($id: ID!) { contract(id: $id) { billingSetup { fixedFeeMethod } } }`, { id: feeContract.id }, finance));
      assert.equal(read.billingSetup.fixedFeeMethod, 'PERCENT_COMPLETE');
    });

    // 2.00 h approved for the newcomer: no cost posting (no rate), but reconciliation names the entry and its worker.
    const { id: entryId } = await approvedEntry(graph, newcomerWork, '2.00');
    const exceptionsOf = async () => {
      dataOf(await graph.query(`mutation { runReconciliation { status } }`, {}, finance));
      const { reconciliationExceptions } = dataOf(await graph.query(
        `query { reconciliationExceptions(first: 500, filter: { type: MISSING_COST_RATE }) { nodes { open subjects { __typename ... on TimeEntry { id } ... on Worker { id } } } } }`, {}, finance));
      return (reconciliationExceptions.nodes as Array<{ open: boolean; subjects: Array<{ __typename: string; id: string }> }>).filter((e) => e.subjects[0].id === entryId);
    };
    await eventually(async () =>
      assert.deepEqual(await exceptionsOf(), [{ open: true, subjects: [{ __typename: 'TimeEntry', id: entryId }, { __typename: 'Worker', id: newcomer }] }]));

    // Progress counts the approved hours, costed or not; the run is held for finance, not silently short.
    const fee = cents(feeContract.amount!);
    const due = earned(fee, costed + 200n, budget);
    const held = dataOf(await run('no-cost-rate', finance, feeContract.id)).runPercentCompleteBilling;
    assert.deepEqual(held.map((e: any) => [e.sourceType, e.status, e.amount]), [['PERCENT_COMPLETE', 'HELD', { amount: amountOf(due), currency: feeContract.currency }]]);
    const reason = dataOf(await graph.query(`query($id: ID!) { billingEvent(id: $id) { heldReason } }`, { id: held[0].id }, finance)).billingEvent.heldReason;
    assert.equal(reason, 'NO_COST_RATE');
    assert.deepEqual(dataOf(await run('no-cost-rate-again', finance, feeContract.id)).runPercentCompleteBilling, [], 'the held run counts as asked');

    // hcm gets the rate, finance re-drives the approval: the cost is posted, the next run bills what was held, once.
    const rate = colleague.costRates[0];
    dataOf(await graph.query(`mutation($id: ID!, $input: CostRateInput!) { addWorkerCostRate(workerId: $id, input: $input) { id } }`,
      { id: newcomer, input: { amount: rate.amount, currency: rate.currency, effectiveFrom: '2020-01-01' } }, finance));
    dataOf(await graph.query(`mutation { redriveReconciliationExceptions(type: MISSING_COST_RATE) { republished } }`, {}, finance));
    await eventually(async () => assert.equal(await hoursToDate(projects.map((p) => p.id)), costed + 200n));
    const released = dataOf(await run('costs-posted', finance, feeContract.id)).runPercentCompleteBilling;
    assert.deepEqual(released.map((e: any) => [e.status, e.amount.amount]), [['UNBILLED', amountOf(due)]]);
    const superseded = dataOf(await graph.query(`query($id: ID!) { billingEvent(id: $id) { status } }`, { id: held[0].id }, finance)).billingEvent.status;
    assert.equal(superseded, 'REVERSED');
    assert.deepEqual(await exceptionsOf(), [{ open: false, subjects: [{ __typename: 'TimeEntry', id: entryId }, { __typename: 'Worker', id: newcomer }] }]);
  });
});

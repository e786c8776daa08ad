import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromScaled, toScaled } from '../../lib/decimal.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/** A fixed-fee milestone completed in psa becomes erp's MILESTONE billing event, seen through the gateway. */
describe('billing models through the gateway', () => {
  let graph: HubHarness;
  const firm = planDemoFirm({ scale: 1, today: new Date().toISOString().slice(0, 10) });
  const fixedFee = new Set(firm.contracts.filter((c) => c.billingMethod === 'FIXED_FEE').map((c) => c.id));
  const project = firm.projects.find((p) => p.status === 'ACTIVE' && fixedFee.has(p.contractId) && firm.milestones.some((m) => m.projectId === p.id && m.status === 'PLANNED'))!;
  const milestone = firm.milestones.find((m) => m.projectId === project.id && m.status === 'PLANNED')!;
  const contract = firm.contracts.find((c) => c.id === project.contractId)!;
  const finance = { roles: ['FINANCE' as const] };
  const cents = (value: string) => toScaled(value, 2);
  const amountOf = (scaled: bigint) => fromScaled(scaled, 2);

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('completing a milestone bills its amount once, on the contract, in its currency', async () => {
    const done = await graph.query(`mutation($id: ID!) { completeMilestone(id: $id) { status } }`, { id: milestone.id }, { roles: ['MANAGER'], workerId: project.managerId });
    assert.equal(done.errors, undefined, JSON.stringify(done.errors));

    const events = await eventually(async () => {
      const result = await graph.query(
        `query($p: ID!) { billingEvents(first: 10, filter: { projectId: $p, sourceType: MILESTONE }) { nodes { sourceId status amount { amount currency } contract { id billingSetup { billingMethod } } } } }`,
        { p: project.id },
        { roles: ['FINANCE'] },
      );
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      const nodes = result.data.billingEvents.nodes.filter((n: { sourceId: string }) => n.sourceId === milestone.id);
      assert.equal(nodes.length, 1);
      return nodes;
    });
    assert.deepEqual(events[0], {
      sourceId: milestone.id, status: 'UNBILLED', amount: { amount: milestone.amount, currency: contract.currency },
      contract: { id: contract.id, billingSetup: { billingMethod: 'FIXED_FEE' } },
    });
  });

  it('keeps milestones to the fixed fee: a plan past it is refused, what passes it at completion is held until an amendment', async () => {
    // Another fixed-fee contract than the test above, with two milestones still to complete.
    const other = firm.projects.find((p) => p.id !== project.id && p.status === 'ACTIVE' && fixedFee.has(p.contractId) &&
      firm.milestones.filter((m) => m.projectId === p.id && m.status === 'PLANNED').length >= 2)!;
    const feeContract = firm.contracts.find((c) => c.id === other.contractId)!;
    const [first, second] = firm.milestones.filter((m) => m.projectId === other.id && m.status === 'PLANNED');
    const plan = firm.milestones.filter((m) => firm.projects.some((p) => p.id === m.projectId && p.contractId === feeContract.id));
    const fee = cents(feeContract.amount!);
    const left = fee - plan.reduce((sum, m) => sum + cents(m.amount), 0n);
    const manager = { roles: ['MANAGER' as const], workerId: other.managerId };

    // Setting up: a milestone, or a larger one, that takes the plan past the fee is refused, naming what is left.
    const create = await graph.query(`mutation($input: CreateMilestoneInput!) { createMilestone(input: $input) { id } }`,
      { input: { projectId: other.id, name: 'One more', amount: amountOf(left + 1n), dueDate: first.dueDate } }, manager);
    assert.equal(create.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(create));
    assert.match(create.errors![0].message, new RegExp(`more than its fixed fee of ${feeContract.amount}: ${amountOf(left)} is left`));
    const raise = await graph.query(`mutation($id: ID!, $a: Decimal!) { updateMilestone(id: $id, input: { amount: $a }) { amount { amount } } }`,
      { id: second.id, a: amountOf(cents(second.amount) + left + 1n) }, manager);
    assert.equal(raise.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(raise));
    const within = await graph.query(`mutation($id: ID!, $a: Decimal!) { updateMilestone(id: $id, input: { amount: $a }) { amount { amount } } }`,
      { id: second.id, a: amountOf(cents(second.amount) + left) }, manager);
    assert.equal(within.errors, undefined, JSON.stringify(within.errors));

    // An amendment lowers the fee below the plan: the first milestone still fits, the second would pass it by 1,000.
    const amend = (delta: bigint, description: string) =>
      graph.query(`mutation($id: ID!, $input: AmendContractInput!) { amendContract(id: $id, input: $input) { amount { amount } } }`,
        { id: feeContract.id, input: { effectiveDate: first.dueDate, description, amountDelta: amountOf(delta) } }, finance);
    const secondAmount = cents(second.amount) + left;
    const lowered = cents(first.amount) + secondAmount - 100000n;
    assert.equal((await amend(lowered - fee, 'Scope cut')).errors, undefined);
    await eventually(async () => {
      const { contract: read } = dataOf(await graph.query(`query($id: ID!) { contract(id: $id) { billingSetup { contractAmount { amount } } } }`, { id: feeContract.id }, finance));
      assert.equal(read.billingSetup.contractAmount.amount, amountOf(lowered));
    });
    const milestoneEvents = async () =>
      dataOf(await graph.query(
        `query($c: ID!) { billingEvents(first: 50, filter: { contractId: $c, sourceType: MILESTONE }) { nodes { sourceId status heldReason amount { amount } } } }`,
        { c: feeContract.id }, finance)).billingEvents.nodes as Array<{ sourceId: string; status: string; heldReason: string | null; amount: { amount: string } }>;
    const eventOf = async (milestoneId: string) => (await milestoneEvents()).find((e) => e.sourceId === milestoneId);
    assert.deepEqual(await milestoneEvents(), [], 'nothing billed on the contract yet');

    dataOf(await graph.query(`mutation($id: ID!) { completeMilestone(id: $id) { status } }`, { id: first.id }, manager));
    await eventually(async () => assert.deepEqual(await eventOf(first.id), { sourceId: first.id, status: 'UNBILLED', heldReason: null, amount: { amount: first.amount } }));
    dataOf(await graph.query(`mutation($id: ID!) { completeMilestone(id: $id) { status } }`, { id: second.id }, manager));
    await eventually(async () =>
      assert.deepEqual(await eventOf(second.id), { sourceId: second.id, status: 'HELD', heldReason: 'FEE_EXCEEDED', amount: { amount: amountOf(secondAmount) } }));
    const usage = dataOf(await graph.query(`query($id: ID!) { contract(id: $id) { billingSetup { capUsage { unbilled { amount } } } } }`, { id: feeContract.id }, finance));
    assert.equal(usage.contract.billingSetup.capUsage, null, 'no not-to-exceed cap: the fee held it');

    // Finance raises the fee back by amendment: what it held is released, once.
    assert.equal((await amend(100000n, 'Scope restored')).errors, undefined);
    await eventually(async () => assert.deepEqual(await eventOf(second.id), { sourceId: second.id, status: 'UNBILLED', heldReason: null, amount: { amount: amountOf(secondAmount) } }));
    assert.equal((await milestoneEvents()).length, 2, 'each milestone billed once');

    // The fee is billed in full by the milestones: a billing schedule on top of them is refused as well.
    const schedule = await graph.query(`mutation($c: ID!, $lines: [BillingScheduleLineInput!]!) { setBillingSchedule(contractId: $c, lines: $lines) { id } }`,
      { c: feeContract.id, lines: [{ date: first.dueDate, amount: { amount: '0.01', currency: feeContract.currency }, description: 'Extra' }] }, finance);
    assert.equal(schedule.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(schedule));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { toScaled } from '../../lib/decimal.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import type { ErpDatabase } from '../../subgraphs/erp/tables.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/** `value` (a decimal) rounded half-up (away from zero) to `decimals` places, from its exact digits: the test's own rule. */
function halfUp(value: string, decimals: number): string {
  const [whole, fraction = ''] = value.replace('-', '').split('.');
  const kept = BigInt(whole + fraction.slice(0, decimals).padEnd(decimals, '0'));
  const rounded = (fraction[decimals] ?? '0') >= '5' ? kept + 1n : kept;
  const digits = String(rounded).padStart(decimals + 1, '0');
  return `${value.startsWith('-') ? '-' : ''}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/** The exact product of two decimals, as the test computes it. */
function times(a: string, b: string): string {
  const scale = (value: string) => value.split('.')[1]?.length ?? 0;
  const product = toScaled(a, scale(a)) * toScaled(b, scale(b));
  const decimals = scale(a) + scale(b);
  const digits = String(product).padStart(decimals + 1, '0');
  return decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

const explanationFields = `summary quantity rate { amount currency } exactAmount roundingDecimals computedAmount { amount currency } amount { amount currency }
  rateRule { kind description rateCard { id } rateId role { id } effectiveFrom effectiveTo assignment { id } costRateId }
  sources { type id approvedBy { id name } approvedAt timeEntry { id hours approvals { action actor { id } } } }
  fx { rate date exactAmount amount { amount currency } }
  changes { kind status heldReason amount { amount } description }`;

/**
 * `explanation` (issue 21: "why is this line 2,316.40"): from an invoice line back to the approved entry, its approver,
 * the rate card rate or assignment override that priced it, the rounding and conversion, every hold and release, and
 * the opportunity that sold the work — in one query, every number reproduced here from what the explanation lists.
 */
describe('explaining amounts through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const work = billableWork(firm, today, 'TIME_AND_MATERIALS');
  const contractId = firm.projects.find((p) => p.id === work.assignment.projectId)!.contractId;
  const opportunityId = firm.contracts.find((c) => c.id === contractId)!.opportunityId;
  const finance = { roles: ['FINANCE' as const] };
  const query = async (text: string, variables: Record<string, unknown>, identity: Parameters<HubHarness['query']>[2] = finance) =>
    dataOf(await graph.query(text, variables, identity));

  const setCap = (notToExceed: string) => query(`mutation($id: ID!, $cap: Decimal) { updateContract(id: $id, input: { notToExceed: $cap }) { id } }`, { id: contractId, cap: notToExceed });
  const billingOf = async (entryId: string) =>
    (await query(`query($id: ID!) { timeEntry(id: $id) { billing { billingEvent { id status heldReason explanation { ${explanationFields} } } } } }`, { id: entryId })).timeEntry
      .billing.billingEvent;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('explains an invoice line by the rate card rate, the approval, the hold and release and the drafting, and reproduces it', async () => {
    assert.ok(opportunityId, 'the demo contract was sold by an opportunity');
    await setCap('0');
    await eventually(async () => {
      const { contract } = await query(`query($id: ID!) { contract(id: $id) { billingSetup { capUsage { cap { amount } } } } }`, { id: contractId });
      assert.equal(contract.billingSetup.capUsage?.cap.amount, '0.00');
    });
    const entry = await approvedEntry(graph, work, '2.75');
    await eventually(async () => assert.deepEqual([(await billingOf(entry.id))?.status, (await billingOf(entry.id))?.heldReason], ['HELD', 'CAP_REACHED']));
    await setCap('100000000');
    await eventually(async () => assert.equal((await billingOf(entry.id)).status, 'UNBILLED'));
    const [draft] = (await query(`mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input) { id } }`, { input: { periodEnd: today, contractId } })).draftInvoices;

    const { invoice } = await query(
      `query($id: ID!) { invoice(id: $id) { lines { sourceId amount { amount currency }
        billingEvent { status contract { opportunity { id } rateCard { id rates { id role { id } billRate { amount } effectiveFrom effectiveTo } } } }
        explanation { ${explanationFields} } } } }`,
      { id: draft.id },
    );
    const line = invoice.lines.find((each: { sourceId: string }) => each.sourceId === entry.id);
    assert.ok(line, 'the entry is on the draft');
    const { explanation } = line;
    assert.equal(line.billingEvent.contract.opportunity.id, opportunityId, 'the line leads to the opportunity that sold the work');

    // The approved entry and who approved it.
    assert.equal(explanation.sources.length, 1);
    const [source] = explanation.sources;
    assert.deepEqual([source.type, source.id, source.timeEntry.id, source.timeEntry.hours], ['TIME_ENTRY', entry.id, entry.id, '2.75']);
    assert.equal(source.approvedBy.id, work.worker.managerId);
    assert.ok(source.approvedBy.name, 'the approver comes from hcm');
    assert.ok(
      source.timeEntry.approvals.some((step: { action: string; actor: { id: string } | null }) => step.action === 'APPROVED' && step.actor?.id === work.worker.managerId),
      "time's approval history names the same approver",
    );

    // The rule that chose the rate: the rate card's rate for the assignment's role, effective today.
    const card = line.billingEvent.contract.rateCard;
    const rate = card.rates.find((each: { id: string }) => each.id === explanation.rateRule.rateId);
    assert.ok(rate, 'the rule names a rate of the contract rate card');
    assert.deepEqual(
      [explanation.rateRule.kind, explanation.rateRule.rateCard.id, explanation.rateRule.role.id, explanation.rateRule.effectiveFrom, explanation.rateRule.effectiveTo],
      ['RATE_CARD', card.id, work.assignment.roleId, rate.effectiveFrom, rate.effectiveTo],
    );
    assert.ok(rate.effectiveFrom <= today && (rate.effectiveTo === null || today <= rate.effectiveTo), 'the rate was effective on the work date');
    assert.equal(explanation.rate.amount, rate.billRate.amount);
    assert.equal(explanation.rateRule.assignment, null);

    // hours × rate, rounded half-up once to the currency's minor unit: the line's amount.
    assert.equal(explanation.quantity, '2.75');
    assert.equal(explanation.exactAmount, times('2.75', explanation.rate.amount).replace(/\.?0+$/, ''));
    assert.equal(explanation.roundingDecimals, 2);
    assert.equal(explanation.computedAmount.amount, halfUp(times('2.75', explanation.rate.amount), 2));
    assert.equal(explanation.amount.amount, explanation.computedAmount.amount, 'a line alone in its group keeps its own rounding');
    assert.equal(line.amount.amount, explanation.amount.amount);
    assert.match(explanation.summary, /^2\.75 h × /);

    // Converted into the legal entity's currency at the recorded rate.
    assert.equal(explanation.fx.date, today);
    assert.equal(explanation.fx.amount.amount, halfUp(times(explanation.amount.amount, explanation.fx.rate), 2));

    // Every hold and release since it was written: held by the cap at once, released when the cap was raised, drafted.
    assert.deepEqual(
      explanation.changes.map((change: { kind: string; status: string; heldReason: string | null }) => [change.kind, change.status, change.heldReason]),
      [
        ['RELEASED', 'UNBILLED', null],
        ['BILLED', 'BILLED', null],
      ],
    );
    assert.match(explanation.changes[0].description, /^HELD \(CAP_REACHED\) → UNBILLED/);
  });

  it('names the assignment override when it priced the time, and the cost rate behind the cost posting', async () => {
    await query(`mutation($id: ID!) { updateAssignment(id: $id, input: { billRateOverride: "187.35" }) { id } }`, { id: work.assignment.id }, { roles: ['RESOURCE_MANAGER'] });
    const entry = await approvedEntry(graph, work, '1.25');
    const event = await eventually(async () => {
      const billing = await billingOf(entry.id);
      assert.equal(billing?.status, 'UNBILLED');
      return billing;
    });
    const { explanation } = event;
    assert.deepEqual([explanation.rateRule.kind, explanation.rateRule.assignment.id, explanation.rateRule.rateCard], ['ASSIGNMENT_OVERRIDE', work.assignment.id, null]);
    assert.equal(explanation.rate.amount, '187.35');
    assert.equal(explanation.computedAmount.amount, halfUp(times('1.25', '187.35'), 2));
    assert.deepEqual(explanation.changes, [], 'nothing changed it since it was written');

    const { timeEntry } = await query(
      `query($id: ID!) { timeEntry(id: $id) { costPosting { amount { amount } explanation { ${explanationFields} } } } }`,
      { id: entry.id },
    );
    const { worker } = await query(`query($id: ID!, $date: Date!) { worker(id: $id) { costRateOn(date: $date) { id cost { amount } effectiveFrom effectiveTo } } }`, {
      id: work.worker.id,
      date: today,
    });
    const cost = timeEntry.costPosting.explanation;
    assert.deepEqual(
      [cost.rateRule.kind, cost.rateRule.costRateId, cost.rateRule.effectiveFrom, cost.rateRule.effectiveTo, cost.rate.amount],
      ['COST_RATE', worker.costRateOn.id, worker.costRateOn.effectiveFrom, worker.costRateOn.effectiveTo, worker.costRateOn.cost.amount],
    );
    assert.equal(cost.computedAmount.amount, halfUp(times('1.25', worker.costRateOn.cost.amount), 2));
    assert.equal(timeEntry.costPosting.amount.amount, cost.amount.amount);
    assert.equal(cost.sources[0].approvedBy.id, work.worker.managerId);
  });

  it('explains a page of 2 and of 40 billing events with the same statements in every subgraph', async () => {
    const page = `query($n: Int!) { billingEvents(first: $n) { nodes { id explanation { summary changes { kind } rateRule { kind role { name } }
      sources { approvedBy { name } timeEntry { hours } } } costPosting { explanation { rateRule { costRateId } } } } } }`;
    async function statements(n: number) {
      await graph.hub.settle();
      for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
      const { billingEvents } = await query(page, { n });
      assert.equal(billingEvents.nodes.length, n);
      return Object.fromEntries(Object.entries(graph.hub.subgraphs).map(([name, { database }]) => [name, database.statements.total]));
    }
    assert.deepEqual(await statements(40), await statements(2));
  });

  it('keeps the trail append-only', async () => {
    const trail = graph.hub.subgraphs.erp.database.db as unknown as Kysely<ErpDatabase>;
    assert.ok((await trail.selectFrom('billing_event_change').select('id').execute()).length > 0, 'the first test left changes to guard');
    await assert.rejects(trail.updateTable('billing_event_change').set({ new_amount: '0' }).execute(), /append-only/);
    await assert.rejects(trail.deleteFrom('billing_event_change').execute(), /append-only/);
  });
});

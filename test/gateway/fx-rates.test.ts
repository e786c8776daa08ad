import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/** amount × rate, rounded half-up to cents, worked out apart from erp's decimal code (positive amounts). */
function converted(amount: string, rate: string): string {
  const [amountUnits, amountFraction = ''] = amount.split('.');
  const [rateUnits, rateFraction = ''] = rate.split('.');
  const product = BigInt(amountUnits + amountFraction) * BigInt(rateUnits + rateFraction);
  const divisor = 10n ** BigInt(amountFraction.length + rateFraction.length - 2);
  const cents = (product * 2n + divisor) / (2n * divisor);
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}

const centsIn = (list: ReadonlyArray<{ amount: string; currency: string }>, currency: string) =>
  BigInt((list.find((money) => money.currency === currency)?.amount ?? '0.00').replace('.', ''));

const shiftDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The demo firm's cross-currency contract (USD, booked by its Dutch entity, whose books are in EUR): what it bills
 * is converted into EUR at the rate of its date, captured as the event is written; without a rate it is held until
 * finance enters one.
 */
describe('exchange rates and billing in the legal entity\'s currency, through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const entities = new Map(firm.legalEntities.map((entity) => [entity.id, entity]));
  const cross = firm.contracts.find((contract) => entities.get(contract.legalEntityId)!.currency !== contract.currency)!;
  const [from, to] = [cross.currency, entities.get(cross.legalEntityId)!.currency];
  const work = billableWork(firm, today, 'TIME_AND_MATERIALS', cross.id);
  const domestic = billableWork(firm, today, 'TIME_AND_MATERIALS');
  const domesticContract = firm.contracts.find((contract) => contract.id === firm.projects.find((project) => project.id === domestic.assignment.projectId)!.contractId)!;
  const finance = { roles: ['FINANCE' as const] };

  const eventOf = async (entryId: string) =>
    dataOf(
      await graph.query(
        `query($id: ID!) { timeEntry(id: $id) { billing { billingEvent { id status heldReason fxRate amount { amount currency } functionalAmount { amount currency } legalEntity { currency } } } } }`,
        { id: entryId },
        finance,
      ),
    ).timeEntry.billing.billingEvent;
  const ratesOn = async (date: string) =>
    dataOf(
      await graph.query(`query($f: FxRateFilter) { fxRates(filter: $f) { nodes { id rate effectiveFrom effectiveTo } } }`, { f: { fromCurrency: from, toCurrency: to, activeOn: date } }, finance),
    ).fxRates.nodes;

  const financialsOf = async (projectId: string) =>
    dataOf(
      await graph.query(
        `query($id: ID!) { project(id: $id) { financials { functionalRevenue { amount currency } functionalMargin { amount currency } unconvertedRevenue { amount currency } } } }`,
        { id: projectId },
        finance,
      ),
    ).project.financials;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('converts a cross-currency event at the rate of its date, and a domestic one at 1', async () => {
    assert.equal(domesticContract.currency, entities.get(domesticContract.legalEntityId)!.currency, 'the other work bills in its entity\'s currency');
    const [current] = await ratesOn(today);
    assert.equal(current.effectiveTo, null, 'the seed\'s latest rate is open-ended');

    const entry = await approvedEntry(graph, work, '1.50');
    const event = await eventually(async () => {
      const found = await eventOf(entry.id);
      assert.equal(found?.status, 'UNBILLED');
      return found;
    });
    assert.equal(event.amount.currency, from);
    assert.equal(event.fxRate, current.rate);
    assert.deepEqual(event.functionalAmount, { amount: converted(event.amount.amount, current.rate), currency: to });
    assert.equal(event.legalEntity.currency, to, 'hcm says the same currency');

    const home = await approvedEntry(graph, domestic, '2.00');
    const homeEvent = await eventually(async () => {
      const found = await eventOf(home.id);
      assert.equal(found?.status, 'UNBILLED');
      return found;
    });
    assert.equal(homeEvent.fxRate, '1');
    assert.deepEqual(homeEvent.functionalAmount, homeEvent.amount);
  });

  it('holds what no rate converts, and releases it when finance enters the rate', async () => {
    // End the latest rate before today (or start it tomorrow, when it starts today): no rate covers today.
    const [current] = await ratesOn(today);
    const shortened = current.effectiveFrom < today ? { effectiveTo: shiftDays(today, -1) } : { effectiveFrom: shiftDays(today, 1) };
    dataOf(await graph.query(`mutation($id: ID!, $input: UpdateFxRateInput!) { updateFxRate(id: $id, input: $input) { id } }`, { id: current.id, input: shortened }, finance));
    assert.deepEqual(await ratesOn(today), []);

    const before = await financialsOf(work.assignment.projectId);
    const entry = await approvedEntry(graph, work, '0.75');
    const held = await eventually(async () => {
      const found = await eventOf(entry.id);
      assert.deepEqual([found?.status, found?.heldReason], ['HELD', 'FX_RATE_MISSING']);
      return found;
    });
    assert.deepEqual([held.fxRate, held.functionalAmount], [null, null]);
    // The project's figures in the books' currency leave it out, and say so.
    const whileHeld = await financialsOf(work.assignment.projectId);
    assert.equal(centsIn(whileHeld.unconvertedRevenue, from) - centsIn(before.unconvertedRevenue, from), centsIn([held.amount], from));
    assert.deepEqual(whileHeld.functionalRevenue, before.functionalRevenue);
    const listed = dataOf(
      await graph.query(`query($c: ID) { billingEvents(filter: { contractId: $c, heldReason: FX_RATE_MISSING }) { nodes { id } } }`, { c: cross.id }, finance),
    ).billingEvents.nodes;
    assert.deepEqual(listed, [{ id: held.id }]);

    const create = (identity: Parameters<HubHarness['query']>[2]) =>
      graph.query(
        `mutation($input: CreateFxRateInput!) { createFxRate(input: $input, idempotencyKey: "today-rate") { id rate effectiveFrom effectiveTo } }`,
        { input: { fromCurrency: from, toCurrency: to, rate: '0.8765432109', effectiveFrom: today, effectiveTo: today } },
        identity,
      );
    assert.equal((await create(work.asManager)).errors?.[0].extensions?.code, 'FORBIDDEN');
    const created = dataOf(await create(finance)).createFxRate;
    assert.deepEqual(dataOf(await create(finance)).createFxRate, created, 'a retry returns the first result');
    assert.deepEqual([created.rate, created.effectiveFrom, created.effectiveTo], ['0.8765432109', today, today]);

    const released = await eventOf(entry.id);
    assert.deepEqual([released.status, released.heldReason, released.fxRate], ['UNBILLED', null, '0.8765432109']);
    assert.deepEqual(released.functionalAmount, { amount: converted(released.amount.amount, '0.8765432109'), currency: to });
    const afterRelease = await financialsOf(work.assignment.projectId);
    assert.deepEqual(afterRelease.unconvertedRevenue, before.unconvertedRevenue);
    assert.equal(centsIn(afterRelease.functionalRevenue, to) - centsIn(before.functionalRevenue, to), centsIn([released.functionalAmount], to));
    // The entry's cost was posted at approval, while it was held; its revenue joins the margin once converted.
    assert.equal(centsIn(afterRelease.functionalMargin, to) - centsIn(whileHeld.functionalMargin, to), centsIn([released.functionalAmount], to));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContractCreated } from '../../../subgraphs/crm/index.ts';
import { erpTopics } from '../../../subgraphs/erp/index.ts';
import { hcmTopics } from '../../../subgraphs/hcm/index.ts';
import { dataOf } from '../../support/subgraph-harness.ts';
import { finance, worker } from './fixtures.ts';
import { C, P, contractCreated as fixtureContract, entryApproved, legalEntityCreated, startPosting, type PostingHarness } from './posting-fixture.ts';

const contractCreated = (data: Partial<ContractCreated> & { contractId: string }) => fixtureContract({ customerId: 'cust-7', legalEntityId: 'le-uk', currency: 'USD', ...data });

/** 7.50 h at 100.00 USD (750.00 USD), time froze the rate at approval. */
const usdEntry = (projectId: string, date: string) => entryApproved({ projectId, date, hours: '7.50', billRate: { amount: '100.00', currency: 'USD' } });

const ukEntity = { legalEntityId: 'le-uk', code: 'UK', name: 'Example Ltd', country: 'GB', currency: 'GBP' };

/**
 * Foreign exchange in erp (DESIGN §2): a USD contract booked by a GBP legal entity. Each billing event captures the
 * USD → GBP rate of its date and its amount in GBP; without a rate (or before erp knows the entity's currency) it is
 * HELD (FX_RATE_MISSING) and retried when the rate or the entity arrives, then faces the cap like a new event.
 */
describe('erp foreign exchange', () => {
  let erp: PostingHarness;
  before(async () => {
    erp = await startPosting();
    await erp.publish(contractCreated({ contractId: C.ukUsd }));
    await erp.publish(contractCreated({ contractId: C.ukUsdCapped, notToExceed: '500.00' }));
  });
  after(() => erp.close());

  const createRate = (input: Record<string, unknown>, idempotencyKey?: string, identity = finance) =>
    erp.call(`mutation($input: CreateFxRateInput!, $key: String) { createFxRate(input: $input, idempotencyKey: $key) { id fromCurrency toCurrency rate effectiveFrom effectiveTo } }`, { input, key: idempotencyKey }, identity);
  const codeOf = (result: { errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }) => result.errors?.[0]?.extensions?.code;
  const eventOf = async (sourceId: string) => {
    const [event] = (await erp.billingEventsOf(sourceId)).filter((row) => row.status !== 'REVERSED');
    return event!;
  };
  const outboxOf = async (subjectId: string, type: string): Promise<Array<{ data: any }>> =>
    erp.database.db.selectFrom('outbox').select('data').where('subject_id', '=', subjectId).where('type', '=', type).orderBy('seq').execute();

  let novemberRateId = '';
  const early = usdEntry(P.ukUsd, '2026-11-20');

  it('holds an event while erp does not know its legal entity\'s currency, and says so', async () => {
    await erp.publish(early);
    const event = await eventOf(early.data.timeEntryId);
    assert.deepEqual([event.status, event.held_reason, event.amount, event.currency, event.fx_rate, event.functional_currency, event.functional_amount], [
      'HELD', 'FX_RATE_MISSING', '750.00', 'USD', null, null, null,
    ]);
    assert.equal((await erp.costPostingsOf(early.data.timeEntryId)).length, 1, 'the cost is posted all the same');
    const outbox = await erp.outboxCausedBy(early.id);
    assert.deepEqual(outbox.map((row) => row.type), [erpTopics.billingEventCreated, erpTopics.billingEventHeld, erpTopics.billingBlocked]);
    assert.deepEqual([outbox[1].data.heldReason, outbox[1].data.capUsage, outbox[1].data.fx], ['FX_RATE_MISSING', null, { from: 'USD', to: null, date: '2026-11-20' }]);
    assert.equal(outbox[2].data.code, 'FX_RATE_MISSING');
    assert.match(outbox[2].data.reason, /does not know legal entity le-uk's currency/);
  });

  it('learns the entity\'s currency from hcm, and still holds what no rate converts', async () => {
    const learned = legalEntityCreated(ukEntity);
    await erp.publish(learned);
    await erp.publish(learned);
    const held = dataOf(
      await erp.call(`query($c: ID) { billingEvents(filter: { contractId: $c, heldReason: FX_RATE_MISSING }) { nodes { sourceId status fxRate functionalAmount { amount } } } }`, { c: C.ukUsd }, finance),
    ).billingEvents.nodes;
    assert.deepEqual(held, [{ sourceId: early.data.timeEntryId, status: 'HELD', fxRate: null, functionalAmount: null }]);
    assert.deepEqual(await erp.outboxCausedBy(learned.id), [], 'nothing was released');
  });

  it('refuses bad rates and lets only finance enter them', async () => {
    const valid = { fromCurrency: 'USD', toCurrency: 'GBP', rate: '0.79', effectiveFrom: '2026-11-01' };
    for (const [input, code] of [
      [{ ...valid, toCurrency: 'USD' }, 'BAD_USER_INPUT'],
      [{ ...valid, fromCurrency: 'usd' }, 'BAD_USER_INPUT'],
      [{ ...valid, rate: '0' }, 'BAD_USER_INPUT'],
      [{ ...valid, rate: '-0.79' }, 'BAD_USER_INPUT'],
      [{ ...valid, rate: '0.79123456789' }, 'BAD_USER_INPUT'],
      [{ ...valid, effectiveTo: '2026-10-31' }, 'BAD_USER_INPUT'],
    ] as const) {
      assert.equal(codeOf(await createRate(input)), code, JSON.stringify(input));
    }
    assert.equal(codeOf(await createRate(valid, undefined, worker)), 'FORBIDDEN');
    assert.equal(codeOf(await erp.call(`{ fxRates { totalCount } }`, {}, worker)), 'FORBIDDEN');
    assert.equal((await erp.database.db.selectFrom('fx_rate').select('id').execute()).length, 0, 'nothing was written');
  });

  it('converts the held event when finance enters the rate of its date, once, whatever the retries', async () => {
    const input = { fromCurrency: 'USD', toCurrency: 'GBP', rate: '0.7912345', effectiveFrom: '2026-11-01' };
    const created = dataOf(await createRate(input, 'usd-gbp-nov')).createFxRate;
    novemberRateId = created.id;
    assert.deepEqual(created, { id: created.id, fromCurrency: 'USD', toCurrency: 'GBP', rate: '0.7912345', effectiveFrom: '2026-11-01', effectiveTo: null });
    assert.deepEqual(dataOf(await createRate(input, 'usd-gbp-nov')).createFxRate, created, 'a retry returns the first result');

    // 750.00 × 0.7912345 = 593.425875 → 593.43 GBP (half-up to the pence, once).
    const event = await eventOf(early.data.timeEntryId);
    assert.deepEqual([event.status, event.held_reason, event.fx_rate, event.functional_currency, event.functional_amount], ['UNBILLED', null, '0.7912345000', 'GBP', '593.43']);
    const released = await outboxOf(event.id, erpTopics.billingEventReleased);
    assert.equal(released.length, 1);
    assert.deepEqual([released[0].data.heldReason, released[0].data.remaining], ['FX_RATE_MISSING', null]);

    const overlapping = await createRate({ ...input, rate: '0.8', effectiveFrom: '2026-12-01' });
    assert.equal(codeOf(overlapping), 'CONFLICT');
    assert.equal(overlapping.errors?.[0].extensions?.conflictingFxRateId, novemberRateId);
  });

  it('captures the rate as an event is written, and keeps it when the rate changes later', async () => {
    const later = usdEntry(P.ukUsd, '2026-11-23');
    await erp.publish(later);
    const event = await eventOf(later.data.timeEntryId);
    assert.deepEqual([event.status, event.fx_rate, event.functional_amount], ['UNBILLED', '0.7912345000', '593.43']);
    assert.deepEqual(await erp.outboxCausedBy(later.id).then((rows) => rows.map((row) => row.type)), [erpTopics.billingEventCreated]);

    const updated = await erp.call(`mutation($id: ID!) { updateFxRate(id: $id, input: { rate: "0.9" }) { rate } }`, { id: novemberRateId }, finance);
    assert.equal(dataOf(updated).updateFxRate.rate, '0.9');
    const shown = dataOf(await erp.call(`query($id: ID!) { billingEvent(id: $id) { fxRate amount { amount currency } functionalAmount { amount currency } } }`, { id: event.id }, finance)).billingEvent;
    assert.deepEqual(shown, { fxRate: '0.7912345', amount: { amount: '750.00', currency: 'USD' }, functionalAmount: { amount: '593.43', currency: 'GBP' } });

    const after = usdEntry(P.ukUsd, '2026-11-24');
    await erp.publish(after);
    assert.deepEqual([(await eventOf(after.data.timeEntryId)).fx_rate, (await eventOf(after.data.timeEntryId)).functional_amount], ['0.9000000000', '675.00']);
  });

  it('puts an event a rate releases under its contract\'s cap, as a new one would be', async () => {
    const october = usdEntry(P.ukUsdCapped, '2026-10-15'); // 750.00 USD; the cap is 500.00 USD
    await erp.publish(october);
    assert.equal((await eventOf(october.data.timeEntryId)).held_reason, 'FX_RATE_MISSING');

    dataOf(await createRate({ fromCurrency: 'USD', toCurrency: 'GBP', rate: '0.8', effectiveFrom: '2026-10-01', effectiveTo: '2026-10-31' }));
    const event = await eventOf(october.data.timeEntryId);
    assert.deepEqual([event.status, event.held_reason, event.fx_rate, event.functional_amount], ['HELD', 'CAP_REACHED', '0.8000000000', '600.00']);
    const held = await outboxOf(event.id, erpTopics.billingEventHeld);
    assert.deepEqual(held.map((row) => [row.data.heldReason, row.data.capUsage?.remaining ?? null]), [
      ['FX_RATE_MISSING', null],
      ['CAP_REACHED', { amount: '500.00', currency: 'USD' }],
    ]);
    assert.deepEqual((await outboxOf(event.id, erpTopics.billingBlocked)).map((row) => row.data.code), ['FX_RATE_MISSING', 'CAP_REACHED']);

    const listed = dataOf(await erp.call(`{ fxRates(filter: { fromCurrency: "USD", activeOn: "2026-10-15" }) { nodes { rate effectiveFrom effectiveTo } } }`, {}, finance)).fxRates.nodes;
    assert.deepEqual(listed, [{ rate: '0.8', effectiveFrom: '2026-10-01', effectiveTo: '2026-10-31' }]);
  });

  it('releases what a rate covers once its period is widened to the event\'s date', async () => {
    const september = usdEntry(P.ukUsd, '2026-09-15');
    await erp.publish(september);
    assert.equal((await eventOf(september.data.timeEntryId)).held_reason, 'FX_RATE_MISSING');
    const [october] = await erp.database.db.selectFrom('fx_rate').select('id').where('effective_from', '=', '2026-10-01').execute();
    dataOf(await erp.call(`mutation($id: ID!) { updateFxRate(id: $id, input: { effectiveFrom: "2026-09-01" }) { effectiveFrom } }`, { id: october!.id }, finance));
    const event = await eventOf(september.data.timeEntryId);
    assert.deepEqual([event.status, event.fx_rate, event.functional_amount], ['UNBILLED', '0.8000000000', '600.00']);
  });

  it('converts into the entity\'s new currency after hcm changes it, and keeps what was converted', async () => {
    const before = usdEntry(P.ukUsd, '2026-11-25');
    await erp.publish(before);
    await erp.publish(legalEntityCreated({ ...ukEntity, currency: 'EUR' }, hcmTopics.legalEntityChanged));
    const after = usdEntry(P.ukUsd, '2026-11-26');
    await erp.publish(after);
    const [kept, held] = [await eventOf(before.data.timeEntryId), await eventOf(after.data.timeEntryId)];
    assert.deepEqual([kept.status, kept.functional_currency, kept.fx_rate], ['UNBILLED', 'GBP', '0.9000000000']);
    assert.deepEqual([held.status, held.held_reason, held.functional_currency], ['HELD', 'FX_RATE_MISSING', 'EUR'], 'no USD → EUR rate yet');
  });

  it('converts at 1 what bills in the legal entity\'s own currency', async () => {
    const domestic = entryApproved({ projectId: P.alpha });
    await erp.publish(domestic);
    const event = await eventOf(domestic.data.timeEntryId);
    assert.deepEqual([event.status, event.fx_rate, event.functional_currency, event.functional_amount], ['UNBILLED', '1.0000000000', 'EUR', event.amount]);
  });
});

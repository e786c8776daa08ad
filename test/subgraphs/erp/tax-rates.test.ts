import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { erpSubgraph, type ErpDatabase } from '../../../subgraphs/erp/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { finance, manager, worker } from './fixtures.ts';

const create = `mutation($input: CreateTaxRateInput!, $key: String) {
  createTaxRate(input: $input, idempotencyKey: $key) { id legalEntity { id } customerCountry name ratePercent effectiveFrom effectiveTo }
}`;
const update = `mutation($id: ID!, $input: UpdateTaxRateInput!) { updateTaxRate(id: $id, input: $input) { id ratePercent effectiveFrom effectiveTo } }`;

describe('erp tax rates', () => {
  let erp: SubgraphHarness<ErpDatabase>;
  before(async () => {
    erp = await startSubgraph(erpSubgraph);
  });
  after(() => erp.close());

  const count = async () => (await erp.database.db.selectFrom('tax_rate').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  it('creates a country rate and a default for one legal entity, and lists what applies on a date', async () => {
    const de = await erp.call(create, { input: { legalEntityId: 'le-de', customerCountry: 'DE', name: 'USt 19%', ratePercent: '19', effectiveFrom: '2020-01-01', effectiveTo: '2025-12-31' } }, finance);
    assert.deepEqual({ ...de.data.createTaxRate, id: undefined }, {
      id: undefined, legalEntity: { id: 'le-de' }, customerCountry: 'DE', name: 'USt 19%', ratePercent: '19.00', effectiveFrom: '2020-01-01', effectiveTo: '2025-12-31',
    });
    const next = await erp.call(create, { input: { legalEntityId: 'le-de', customerCountry: 'DE', name: 'USt 20%', ratePercent: '20', effectiveFrom: '2026-01-01' } }, finance);
    assert.equal(next.errors, undefined);
    const fallback = await erp.call(create, { input: { legalEntityId: 'le-de', name: 'Reverse charge', ratePercent: '0', effectiveFrom: '2020-01-01' } }, finance);
    assert.equal(fallback.data.createTaxRate.customerCountry, null);

    const listed = await erp.call(`{ taxRates(filter: { legalEntityId: "le-de", activeOn: "2026-02-01" }) { totalCount nodes { name } } }`, {}, finance);
    // Ordered by legal entity, then effective date.
    assert.deepEqual(listed.data.taxRates, { totalCount: 2, nodes: [{ name: 'Reverse charge' }, { name: 'USt 20%' }] });
    const german = await erp.call(`{ taxRates(filter: { customerCountry: "DE" }) { nodes { name } } }`, {}, finance);
    assert.deepEqual(german.data.taxRates.nodes.map((node: { name: string }) => node.name), ['USt 19%', 'USt 20%']);
  });

  it('refuses an overlapping period of the same legal entity and country with CONFLICT, and writes nothing', async () => {
    const before = await count();
    const overlapping = await erp.call(create, { input: { legalEntityId: 'le-de', customerCountry: 'DE', name: 'X', ratePercent: '7', effectiveFrom: '2025-06-01', effectiveTo: '2026-06-30' } }, finance);
    assert.equal(overlapping.errors?.[0].extensions?.code, 'CONFLICT');
    const defaultOverlap = await erp.call(create, { input: { legalEntityId: 'le-de', name: 'Y', ratePercent: '0', effectiveFrom: '2030-01-01' } }, finance);
    assert.equal(defaultOverlap.errors?.[0].extensions?.code, 'CONFLICT');
    assert.equal(await count(), before);
    // Another legal entity, or another country, is another scope.
    const other = await erp.call(create, { input: { legalEntityId: 'le-fr', customerCountry: 'DE', name: 'Z', ratePercent: '0', effectiveFrom: '2025-06-01' } }, finance);
    assert.equal(other.errors, undefined);
  });

  it('updates a rate, refusing an update that would overlap', async () => {
    const created = await erp.call(create, { input: { legalEntityId: 'le-nl', customerCountry: 'NL', name: 'BTW 21%', ratePercent: '21', effectiveFrom: '2020-01-01', effectiveTo: '2023-12-31' } }, finance);
    const later = await erp.call(create, { input: { legalEntityId: 'le-nl', customerCountry: 'NL', name: 'BTW 21%', ratePercent: '21', effectiveFrom: '2024-01-01' } }, finance);
    const id = created.data.createTaxRate.id;
    const changed = await erp.call(update, { id, input: { ratePercent: '20.5', effectiveFrom: '2019-01-01' } }, finance);
    assert.deepEqual(changed.data.updateTaxRate, { id, ratePercent: '20.50', effectiveFrom: '2019-01-01', effectiveTo: '2023-12-31' });
    const openEnded = await erp.call(update, { id, input: { effectiveTo: null } }, finance);
    assert.equal(openEnded.errors?.[0].extensions?.code, 'CONFLICT');
    const shortened = await erp.call(update, { id: later.data.createTaxRate.id, input: { effectiveTo: '2024-12-31' } }, finance);
    assert.equal(shortened.data.updateTaxRate.effectiveTo, '2024-12-31');
    const missing = await erp.call(update, { id: 'no-such', input: { name: 'x' } }, finance);
    assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND');
  });

  it('refuses bad input with BAD_USER_INPUT', async () => {
    const before = await count();
    const base = { legalEntityId: 'le-be', customerCountry: 'BE', name: 'BTW', ratePercent: '21', effectiveFrom: '2020-01-01' };
    const bad: Array<[string, Record<string, unknown>]> = [
      ['country', { customerCountry: 'BEL' }],
      ['lower-case country', { customerCountry: 'be' }],
      ['over 100 %', { ratePercent: '100.5' }],
      ['negative', { ratePercent: '-1' }],
      ['too precise', { ratePercent: '21.00001' }],
      ['ends before it starts', { effectiveTo: '2019-12-31' }],
      ['empty name', { name: '  ' }],
      ['empty legal entity', { legalEntityId: '' }],
      ['not a date', { effectiveFrom: '2020-02-30' }],
    ];
    for (const [name, change] of bad) {
      const result = await erp.call(create, { input: { ...base, ...change } }, finance);
      assert.equal(result.errors?.[0].extensions?.code, 'BAD_USER_INPUT', name);
    }
    assert.equal(await count(), before);
  });

  it('replays a retried idempotency key', async () => {
    const input = { legalEntityId: 'le-at', customerCountry: 'AT', name: 'USt 20%', ratePercent: '20', effectiveFrom: '2020-01-01' };
    const first = await erp.call(create, { input, key: 'tax-at' }, finance);
    const retry = await erp.call(create, { input, key: 'tax-at' }, finance);
    assert.equal(retry.data.createTaxRate.id, first.data.createTaxRate.id);
  });

  it('is finance data: a worker or manager may neither read nor write it', async () => {
    for (const identity of [worker, manager]) {
      const write = await erp.call(create, { input: { legalEntityId: 'le-se', name: 'Moms', ratePercent: '25', effectiveFrom: '2020-01-01' } }, identity);
      assert.equal(write.errors?.[0].extensions?.code, 'FORBIDDEN');
      const read = await erp.call(`{ taxRates { totalCount } }`, {}, identity);
      assert.equal(read.errors?.[0].extensions?.code, 'FORBIDDEN');
    }
  });
});

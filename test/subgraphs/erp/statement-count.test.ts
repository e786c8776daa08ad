import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { erpSubgraph, type ErpDatabase } from '../../../subgraphs/erp/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { erpFixtures, finance, requestStatements } from './fixtures.ts';

/** Lists under each invoice are batched: the statement count does not grow with the page size. */
describe('erp statement count', () => {
  let erp: SubgraphHarness<ErpDatabase>;
  before(async () => {
    erp = await startSubgraph(erpSubgraph);
    const make = erpFixtures(erp.database.db);
    for (let n = 0; n < 60; n += 1) {
      const invoice = await make.invoice({ customer_id: `customer-${n % 7}`, currency: n % 2 ? 'EUR' : 'USD', status: 'ISSUED', subtotal: '300.00' });
      await make.line({ invoice_id: invoice, position: 1, amount: '100.00', currency: n % 2 ? 'EUR' : 'USD' });
      await make.line({ invoice_id: invoice, position: 2, amount: '200.00', currency: n % 2 ? 'EUR' : 'USD' });
      await make.payment({ invoice_id: invoice, amount: '50.00', currency: n % 2 ? 'EUR' : 'USD' });
    }
  });
  after(() => erp.close());

  const query = `query($n: Int!) { invoices(first: $n) { nodes { lines { amount { amount } } payments { amount { amount } } } } }`;

  async function statementsFor(n: number) {
    erp.database.statements.reset();
    const result = await erp.call(query, { n }, finance);
    assert.equal(result.errors, undefined);
    assert.equal(result.data.invoices.nodes.length, n);
    for (const node of result.data.invoices.nodes) {
      assert.deepEqual(node.lines.map((line: { amount: { amount: string } }) => line.amount.amount), ['100.00', '200.00']);
      assert.deepEqual(node.payments, [{ amount: { amount: '50.00' } }]);
    }
    return requestStatements(erp.database.statements);
  }

  it('runs the same statements for 10 invoices as for 50', async () => {
    const ten = await statementsFor(10);
    const fifty = await statementsFor(50);
    assert.equal(fifty.length, ten.length);
    // The page, the lines of every invoice, the payments of every invoice.
    assert.equal(ten.length, 3, ten.join('\n'));
  });

  it('batches amounts and balances too', async () => {
    erp.database.statements.reset();
    const result = await erp.call(`{ invoices(first: 40) { totalCount nodes { amountPaid { amount } balance { amount } creditNotes { id } } } }`, {}, finance);
    assert.equal(result.data.invoices.totalCount, 60);
    assert.ok(result.data.invoices.nodes.every((node: { balance: { amount: string } }) => node.balance.amount === '250.00'));
    // page + count + settlements + credit notes
    assert.equal(requestStatements(erp.database.statements).length, 4);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { erpSubgraph, type ErpDatabase } from '../../../subgraphs/erp/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { erpFixtures, finance, manager, requestStatements, worker } from './fixtures.ts';

/**
 * Customer acme owes, per currency (hand-checked):
 *   EUR: 1190.00 − 190.00 paid                          = 1000.00  (ISSUED)
 *        500.00 − 200.00 paid − 100.00 credited         =  200.00  (PARTIALLY_PAID; a DRAFT credit note does not count)
 *        PAID, DRAFT and VOID invoices owe nothing
 *   USD: 300.00                                         =  300.00  (ISSUED)
 * Customer initech has no open invoice: it reads zero in EUR, the currency it is billed in (a paid invoice); nobody,
 * billed nothing under no contract, reads nothing.
 */
describe('erp receivables', () => {
  let erp: SubgraphHarness<ErpDatabase>;
  const ids: Record<string, string> = {};
  before(async () => {
    erp = await startSubgraph(erpSubgraph);
    const make = erpFixtures(erp.database.db);
    ids.eurIssued = await make.invoice({ customer_id: 'acme', currency: 'EUR', status: 'ISSUED', subtotal: '1000.00', tax_total: '190.00', tax_rate_percent: '19', issue_date: '2026-02-01' });
    await make.line({ invoice_id: ids.eurIssued, position: 1, amount: '600.00', currency: 'EUR' });
    await make.line({ invoice_id: ids.eurIssued, position: 2, amount: '400.00', currency: 'EUR' });
    await make.payment({ invoice_id: ids.eurIssued, amount: '190.00', currency: 'EUR' });
    ids.eurPartial = await make.invoice({ customer_id: 'acme', currency: 'EUR', status: 'PARTIALLY_PAID', subtotal: '500.00', issue_date: '2026-03-01' });
    ids.payment = await make.payment({ invoice_id: ids.eurPartial, amount: '150.00', currency: 'EUR', received_on: '2026-03-05', reference: 'wire 42' });
    await make.payment({ invoice_id: ids.eurPartial, amount: '50.00', currency: 'EUR', received_on: '2026-03-10' });
    ids.credit = await make.creditNote({ invoice_id: ids.eurPartial, customer_id: 'acme', currency: 'EUR', total: '100.00', status: 'ISSUED' });
    await make.creditLine({ credit_note_id: ids.credit, source_type: 'ADJUSTMENT', description: 'goodwill', amount: '100.00', currency: 'EUR' });
    await make.creditNote({ invoice_id: ids.eurPartial, customer_id: 'acme', currency: 'EUR', total: '70.00', status: 'DRAFT' });
    ids.eurPaid = await make.invoice({ customer_id: 'acme', currency: 'EUR', status: 'PAID', subtotal: '800.00', issue_date: '2026-01-01' });
    await make.payment({ invoice_id: ids.eurPaid, amount: '800.00', currency: 'EUR' });
    ids.eurDraft = await make.invoice({ customer_id: 'acme', currency: 'EUR', status: 'DRAFT', subtotal: '999.00', period_end: '2026-03-31' });
    ids.gbpVoid = await make.invoice({ customer_id: 'acme', currency: 'GBP', status: 'VOID', subtotal: '50.00' });
    ids.usdIssued = await make.invoice({ customer_id: 'acme', currency: 'USD', status: 'ISSUED', subtotal: '300.00', issue_date: '2026-02-15' });
    ids.initechPaid = await make.invoice({ customer_id: 'initech', currency: 'EUR', status: 'PAID', subtotal: '10.00', issue_date: '2026-02-10' });
    await make.payment({ invoice_id: ids.initechPaid, amount: '10.00', currency: 'EUR' });
  });
  after(() => erp.close());

  const customers = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id arBalance { amount currency } } } }`;
  const representations = [{ __typename: 'Customer', id: 'acme' }, { __typename: 'Customer', id: 'initech' }, { __typename: 'Customer', id: 'nobody' }];

  it('sums the open balance per billing currency (zero when nothing is open), for many customers in one statement', async () => {
    erp.database.statements.reset();
    const result = await erp.call(customers, { r: representations }, finance);
    assert.deepEqual(result.data._entities, [
      { id: 'acme', arBalance: [{ amount: '1200.00', currency: 'EUR' }, { amount: '300.00', currency: 'USD' }] },
      { id: 'initech', arBalance: [{ amount: '0.00', currency: 'EUR' }] },
      { id: 'nobody', arBalance: [] },
    ]);
    assert.equal(requestStatements(erp.database.statements).length, 1);
  });

  it('shows an invoice with its lines, payments, credit notes, amount paid and balance', async () => {
    const result = await erp.call(
      `query($id: ID!) { invoice(id: $id) { status currency customer { id } subtotal { amount } taxTotal { amount } taxRatePercent total { amount currency }
        amountPaid { amount } balance { amount currency } lines { amount { amount } } payments { amount { amount } receivedOn } creditNotes { status total { amount } } } }`,
      { id: ids.eurPartial },
      finance,
    );
    const invoice = result.data.invoice;
    assert.deepEqual(invoice.total, { amount: '500.00', currency: 'EUR' });
    assert.equal(invoice.amountPaid.amount, '200.00');
    assert.deepEqual(invoice.balance, { amount: '200.00', currency: 'EUR' });
    assert.deepEqual(invoice.payments, [{ amount: { amount: '150.00' }, receivedOn: '2026-03-05' }, { amount: { amount: '50.00' }, receivedOn: '2026-03-10' }]);
    assert.deepEqual(invoice.creditNotes.map((note: { status: string }) => note.status).sort(), ['DRAFT', 'ISSUED']);
    const issued = await erp.call(`query($id: ID!) { invoice(id: $id) { taxRatePercent amountPaid { amount } balance { amount } lines { amount { amount } } } }`, { id: ids.eurIssued }, finance);
    assert.deepEqual(issued.data.invoice, { taxRatePercent: '19.00', amountPaid: { amount: '190.00' }, balance: { amount: '1000.00' }, lines: [{ amount: { amount: '600.00' } }, { amount: { amount: '400.00' } }] });
  });

  it('lists a customer’s invoices and all invoices by status, currency and date', async () => {
    const open = await erp.call(
      `{ _entities(representations: [{ __typename: "Customer", id: "acme" }]) { ... on Customer { invoices(filter: { status: [ISSUED, PARTIALLY_PAID] }) { totalCount nodes { id } } } } }`,
      {},
      finance,
    );
    assert.equal(open.data._entities[0].invoices.totalCount, 3);
    assert.deepEqual(new Set(open.data._entities[0].invoices.nodes.map((node: { id: string }) => node.id)), new Set([ids.eurIssued, ids.eurPartial, ids.usdIssued]));
    const inFebruary = await erp.call(`{ invoices(filter: { from: "2026-02-01", to: "2026-02-28" }) { nodes { id } } }`, {}, finance);
    assert.deepEqual(new Set(inFebruary.data.invoices.nodes.map((node: { id: string }) => node.id)), new Set([ids.eurIssued, ids.usdIssued, ids.initechPaid]));
    const drafts = await erp.call(`{ invoices(filter: { status: [DRAFT], from: "2026-03-01" }) { nodes { id number } } }`, {}, finance);
    assert.deepEqual(drafts.data.invoices.nodes, [{ id: ids.eurDraft, number: null }]);
    const byCustomer = await erp.call(`{ invoices(filter: { customerId: "initech" }) { totalCount } }`, {}, finance);
    assert.equal(byCustomer.data.invoices.totalCount, 1);
  });

  it('reads payments and credit notes by id', async () => {
    const result = await erp.call(
      `query($payment: ID!, $credit: ID!) {
        payment(id: $payment) { amount { amount currency } receivedOn reference invoice { id } }
        creditNote(id: $credit) { status total { amount } invoice { id } lines { sourceType sourceId description amount { amount currency } } }
      }`,
      { payment: ids.payment, credit: ids.credit },
      finance,
    );
    assert.deepEqual(result.data.payment, { amount: { amount: '150.00', currency: 'EUR' }, receivedOn: '2026-03-05', reference: 'wire 42', invoice: { id: ids.eurPartial } });
    assert.deepEqual(result.data.creditNote, {
      status: 'ISSUED', total: { amount: '-100.00' }, invoice: { id: ids.eurPartial },
      lines: [{ sourceType: 'ADJUSTMENT', sourceId: null, description: 'goodwill', amount: { amount: '-100.00', currency: 'EUR' } }],
    });
  });

  it('is FORBIDDEN to a worker and to a manager', async () => {
    for (const identity of [worker, manager]) {
      const balance = await erp.call(customers, { r: representations.slice(0, 1) }, identity);
      assert.equal(balance.errors?.[0].extensions?.code, 'FORBIDDEN');
      const invoice = await erp.call(`query($id: ID!) { invoice(id: $id) { id } }`, { id: ids.eurIssued }, identity);
      assert.equal(invoice.errors?.[0].extensions?.code, 'FORBIDDEN');
      const entity = await erp.call(`query($id: ID!) { _entities(representations: [{ __typename: "Invoice", id: $id }]) { ... on Invoice { id } } }`, { id: ids.eurIssued }, identity);
      assert.equal(entity.errors?.[0].extensions?.code, 'FORBIDDEN');
    }
  });
});

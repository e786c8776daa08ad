import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { erpSubgraph, type ErpDatabase } from '../../../subgraphs/erp/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { erpFixtures, finance, manager, requestStatements, worker } from './fixtures.ts';

/**
 * Project p1, by hand:
 *   cost (EUR): te-1 8 h × 60 = 480.00; te-2 4 h × 60 = 240.00 and its reversal −240.00; an expense 100.00 → 580.00
 *   billing events (USD): te-1 8 h BILLED 1200.00 on issued inv-1; te-2 4 h REVERSED; te-3 6 h UNBILLED 900.00;
 *     te-4 2 h HELD 300.00; te-5 1.5 h BILLED 225.00 on draft inv-2; te-6 2 h BILLED 200.00 on inv-1, credited
 *   billed (USD): inv-1 lines 1200.00 + 200.00 + a 1000.00 milestone − 200.00 credit (the draft inv-2 and a draft
 *     credit note do not count) = 2200.00
 *   unbilled: 900.00 + 300.00 = 1200.00 USD, 6 + 2 = 8.00 h; on draft: te-5 225.00 USD
 *   margin: USD 2200.00 + 225.00 + 1200.00 = 3625.00; EUR −580.00
 *   budget burn: (billed 8 + 1.5 + 2 + unbilled 8) h ÷ 78 h = 25.00 %
 *   in the books' currency (EUR): te-1, te-3 and te-6 captured 0.9, te-4 is held for want of a rate (none), the
 *     milestone line has no billing event: revenue 1080.00 + 180.00 (inv-1) − 180.00 (the credit, at te-6's 0.9)
 *     + 810.00 (te-3) = 1890.00; functional margin 1890.00 − 580.00 = 1310.00; unconverted 1000.00 + 300.00 + 225.00
 *     (te-5, on the draft) = 1525.00 USD
 */
describe('erp project financials and time-entry billing', () => {
  let erp: SubgraphHarness<ErpDatabase>;
  before(async () => {
    erp = await startSubgraph(erpSubgraph);
    const make = erpFixtures(erp.database.db);
    const usd = { currency: 'USD', project_id: 'p1' };
    await make.costPosting({ id: 'cp-1', source_id: 'te-1', project_id: 'p1', hours: '8.00', cost_rate: '60.00', amount: '480.00', currency: 'EUR' });
    await make.costPosting({ id: 'cp-2', source_id: 'te-2', project_id: 'p1', hours: '4.00', cost_rate: '60.00', amount: '240.00', currency: 'EUR', reversed_at: new Date() });
    await make.costPosting({ id: 'cp-3', source_id: 'te-2', project_id: 'p1', hours: '-4.00', cost_rate: '60.00', amount: '-240.00', currency: 'EUR', reversal_of: 'cp-2' });
    await make.costPosting({ id: 'cp-4', source_type: 'EXPENSE', source_id: 'ex-1', worker_id: null, project_id: 'p1', amount: '100.00', currency: 'EUR' });
    await make.costPosting({ id: 'cp-other', source_id: 'te-9', project_id: 'p-other', hours: '1.00', amount: '999.00', currency: 'EUR' });

    const eur = (amount: string) => ({ fx_rate: '0.9', functional_currency: 'EUR', functional_amount: amount });
    await make.billingEvent({ id: 'be-1', source_id: 'te-1', hours: '8.00', rate: '150.00', amount: '1200.00', status: 'BILLED', ...usd, ...eur('1080.00') });
    await make.billingEvent({ id: 'be-2', source_id: 'te-2', hours: '4.00', rate: '150.00', amount: '600.00', status: 'REVERSED', ...usd });
    await make.billingEvent({ id: 'be-3', source_id: 'te-3', hours: '6.00', rate: '150.00', amount: '900.00', status: 'UNBILLED', ...usd, ...eur('810.00') });
    await make.billingEvent({ id: 'be-4', source_id: 'te-4', hours: '2.00', rate: '150.00', amount: '300.00', status: 'HELD', ...usd });
    await make.billingEvent({ id: 'be-5', source_id: 'te-5', hours: '1.50', rate: '150.00', amount: '225.00', status: 'BILLED', ...usd });
    await make.billingEvent({ id: 'be-6', source_id: 'te-6', hours: '2.00', rate: '100.00', amount: '200.00', status: 'BILLED', ...usd, ...eur('180.00') });

    const inv1 = await make.invoice({ id: 'inv-1', customer_id: 'acme', currency: 'USD', status: 'ISSUED', subtotal: '2400.00' });
    await make.line({ invoice_id: inv1, position: 1, source_type: 'TIME_ENTRY', source_id: 'te-1', billing_event_id: 'be-1', quantity: '8.00', unit_price: '150.00', amount: '1200.00', ...usd });
    const credited = await make.line({ invoice_id: inv1, position: 2, source_type: 'TIME_ENTRY', source_id: 'te-6', billing_event_id: 'be-6', quantity: '2.00', unit_price: '100.00', amount: '200.00', released_at: new Date(), ...usd });
    await make.line({ invoice_id: inv1, position: 3, source_type: 'MILESTONE', source_id: 'ms-1', amount: '1000.00', ...usd });
    const inv2 = await make.invoice({ id: 'inv-2', customer_id: 'acme', currency: 'USD', status: 'DRAFT', subtotal: '225.00' });
    await make.line({ invoice_id: inv2, position: 1, source_type: 'TIME_ENTRY', source_id: 'te-5', billing_event_id: 'be-5', quantity: '1.50', unit_price: '150.00', amount: '225.00', ...usd });
    const note = await make.creditNote({ invoice_id: inv1, customer_id: 'acme', currency: 'USD', total: '200.00', status: 'ISSUED' });
    await make.creditLine({ credit_note_id: note, source_type: 'TIME_ENTRY', source_id: 'te-6', invoice_line_id: credited, amount: '200.00', ...usd });
    const draftNote = await make.creditNote({ invoice_id: inv1, customer_id: 'acme', currency: 'USD', total: '50.00', status: 'DRAFT' });
    await make.creditLine({ credit_note_id: draftNote, amount: '50.00', ...usd });
  });
  after(() => erp.close());

  const financials = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Project { id financials {
    costToDate { amount currency } billed { amount currency } unbilledAmount { amount currency } unbilledHours onDraftAmount { amount currency } margin { amount currency }
    functionalRevenue { amount currency } functionalMargin { amount currency } unconvertedRevenue { amount currency } budgetBurnPercent } } } }`;
  const projects = [
    { __typename: 'Project', id: 'p1', budgetHours: '78.00' },
    { __typename: 'Project', id: 'p-empty', budgetHours: null },
  ];

  it('sums cost, billed, unbilled and margin per currency, and the budget burn, for many projects in one statement', async () => {
    erp.database.statements.reset();
    const result = await erp.call(financials, { r: projects }, finance);
    assert.equal(result.errors, undefined);
    assert.deepEqual(result.data._entities, [
      {
        id: 'p1',
        financials: {
          costToDate: [{ amount: '580.00', currency: 'EUR' }],
          billed: [{ amount: '2200.00', currency: 'USD' }],
          unbilledAmount: [{ amount: '1200.00', currency: 'USD' }],
          unbilledHours: '8.00',
          onDraftAmount: [{ amount: '225.00', currency: 'USD' }],
          margin: [{ amount: '-580.00', currency: 'EUR' }, { amount: '3625.00', currency: 'USD' }],
          functionalRevenue: [{ amount: '1890.00', currency: 'EUR' }],
          functionalMargin: [{ amount: '1310.00', currency: 'EUR' }],
          unconvertedRevenue: [{ amount: '1525.00', currency: 'USD' }],
          budgetBurnPercent: '25.00',
        },
      },
      {
        id: 'p-empty',
        financials: { costToDate: [], billed: [], unbilledAmount: [], unbilledHours: '0.00', onDraftAmount: [], margin: [], functionalRevenue: [], functionalMargin: [], unconvertedRevenue: [], budgetBurnPercent: null },
      },
    ]);
    assert.equal(requestStatements(erp.database.statements).length, 1);
  });

  it("lets the project's manager read its financials, not another manager nor a worker", async () => {
    // What the gateway sends with the reference: psa's manager of the project (@requires), as the caller may see it.
    const managed = [{ ...projects[0], manager: { id: manager.workerId } }];
    const asManager = await erp.call(financials, { r: managed }, manager);
    assert.equal(asManager.data._entities[0].financials.unbilledHours, '8.00');
    const asOtherManager = await erp.call(financials, { r: managed }, { ...manager, workerId: 'manager-2' });
    assert.equal(asOtherManager.errors?.[0].extensions?.code, 'FORBIDDEN');
    const unmanaged = await erp.call(financials, { r: projects.slice(0, 1) }, manager);
    assert.equal(unmanaged.errors?.[0].extensions?.code, 'FORBIDDEN');
    // The grant is a MANAGER's: a plain WORKER named as the project's manager still does not read it.
    const asWorker = await erp.call(financials, { r: managed }, { ...worker, workerId: manager.workerId });
    assert.equal(asWorker.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  const billing = `query($r: [_Any!]!) { _entities(representations: $r) { ... on TimeEntry { id billing { status } } } }`;
  // What the gateway sends: time's `billable` and `status` (@requires) with each reference.
  const entries = ['te-1', 'te-2', 'te-3', 'te-4', 'te-5', 'te-6', 'te-unknown'].map((id) => ({
    __typename: 'TimeEntry',
    id,
    billable: id !== 'te-unknown',
    status: 'APPROVED',
  }));

  it('tells where each time entry stands in billing, in one statement', async () => {
    erp.database.statements.reset();
    const result = await erp.call(billing, { r: entries }, manager);
    assert.deepEqual(
      result.data._entities.map((entity: { id: string; billing: { status: string } }) => [entity.id, entity.billing.status]),
      [['te-1', 'INVOICED'], ['te-2', 'REVERSED'], ['te-3', 'UNBILLED'], ['te-4', 'UNBILLED'], ['te-5', 'ON_DRAFT'], ['te-6', 'CREDITED'], ['te-unknown', 'NOT_BILLABLE']],
    );
    assert.equal(requestStatements(erp.database.statements).length, 1);
    const denied = await erp.call(billing, { r: entries.slice(0, 1) }, worker);
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  it('links the billing event and invoice for finance only', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on TimeEntry { billing { status billingEvent { id amount { amount currency } invoiceLine { id } } invoice { id status } } } } }`;
    const asFinance = await erp.call(query, { r: [{ __typename: 'TimeEntry', id: 'te-1' }] }, finance);
    const { billing: linked } = asFinance.data._entities[0];
    assert.deepEqual({ ...linked, billingEvent: { ...linked.billingEvent, invoiceLine: Boolean(linked.billingEvent.invoiceLine) } }, {
      status: 'INVOICED',
      billingEvent: { id: 'be-1', amount: { amount: '1200.00', currency: 'USD' }, invoiceLine: true },
      invoice: { id: 'inv-1', status: 'ISSUED' },
    });
    const asManager = await erp.call(query, { r: [{ __typename: 'TimeEntry', id: 'te-1' }] }, manager);
    assert.equal(asManager.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  it('lists cost postings and billing events by project, status and date', async () => {
    const postings = await erp.call(`{ costPostings(filter: { projectId: "p1" }) { totalCount nodes { id amount { amount } reversalOf { id } } } }`, {}, finance);
    assert.equal(postings.data.costPostings.totalCount, 4);
    assert.deepEqual(postings.data.costPostings.nodes.find((node: { id: string }) => node.id === 'cp-3').reversalOf, { id: 'cp-2' });
    const unbilled = await erp.call(`{ billingEvents(filter: { projectId: "p1", status: [UNBILLED, HELD] }) { nodes { id heldReason } } }`, {}, finance);
    assert.deepEqual(unbilled.data.billingEvents.nodes.map((node: { id: string }) => node.id).sort(), ['be-3', 'be-4']);
    const none = await erp.call(`{ billingEvents(filter: { from: "2026-02-01" }) { totalCount } }`, {}, finance);
    assert.equal(none.data.billingEvents.totalCount, 0);
  });
  it('tells where each expense stands in billing from its EXPENSE billing events, like a time entry, in one batch', async () => {
    const make = erpFixtures(erp.database.db);
    const other = { currency: 'USD', project_id: 'p-expenses' };
    await make.billingEvent({ id: 'be-ex-1', source_type: 'EXPENSE', source_id: 'ex-1', amount: '80.00', status: 'BILLED', ...other });
    await make.billingEvent({ id: 'be-ex-2', source_type: 'EXPENSE', source_id: 'ex-2', amount: '20.00', status: 'UNBILLED', ...other });
    const invoice = await make.invoice({ id: 'inv-ex', customer_id: 'acme', currency: 'USD', status: 'ISSUED', subtotal: '80.00' });
    await make.line({ invoice_id: invoice, position: 1, source_type: 'EXPENSE', source_id: 'ex-1', billing_event_id: 'be-ex-1', amount: '80.00', ...other });
    const expenses = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on ExpenseEntry { id billing { status } } ... on TimeEntry { id entryBilling: billing { status } } } }`;
    const approved = { billable: true, status: 'APPROVED' };
    const representations = [
      { __typename: 'ExpenseEntry', id: 'ex-1', ...approved },
      { __typename: 'ExpenseEntry', id: 'ex-2', ...approved },
      { __typename: 'ExpenseEntry', id: 'ex-3', ...approved },
      { __typename: 'ExpenseEntry', id: 'ex-4', billable: true, status: 'SUBMITTED' },
      { __typename: 'ExpenseEntry', id: 'ex-5', billable: false, status: 'APPROVED' },
      // A time entry is never billed by an expense's event, nor an expense by a time entry's.
      { __typename: 'TimeEntry', id: 'ex-1', ...approved },
      { __typename: 'ExpenseEntry', id: 'te-1', ...approved },
    ];
    erp.database.statements.reset();
    const result = await erp.call(expenses, { r: representations }, manager);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.deepEqual(
      result.data._entities.map((entity: { id: string; billing?: { status: string }; entryBilling?: { status: string } }) => [entity.id, (entity.billing ?? entity.entryBilling)!.status]),
      [['ex-1', 'INVOICED'], ['ex-2', 'UNBILLED'], ['ex-3', 'NOT_POSTED'], ['ex-4', 'AWAITING_APPROVAL'], ['ex-5', 'NOT_BILLABLE'], ['ex-1', 'NOT_POSTED'], ['te-1', 'NOT_POSTED']],
    );
    // The time entry has no billing event of its own: its fee coverage is a second batch (TimeEntry.billing COVERED_BY_FEE …).
    assert.equal(requestStatements(erp.database.statements).length, 3, 'one statement for the expenses, one for the time entries, one for their fee coverage');
    const linked = await erp.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on ExpenseEntry { billing { billingEvent { id } invoice { id } } } } }`, { r: representations.slice(0, 1) }, finance);
    assert.deepEqual(linked.data._entities[0].billing, { billingEvent: { id: 'be-ex-1' }, invoice: { id: 'inv-ex' } });
    const denied = await erp.call(expenses, { r: representations.slice(0, 1) }, worker);
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
  });
});

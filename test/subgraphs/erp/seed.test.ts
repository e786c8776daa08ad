import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DemoExpense, DemoFirm, DemoTimeEntry, DemoWorker } from '../../../lib/seed/demo-firm.ts';
import { erpSubgraph, type ErpDatabase } from '../../../subgraphs/erp/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { finance } from './fixtures.ts';

const workerOf = (id: string, legalEntityId: string, costRates: DemoWorker['costRates']): DemoWorker => ({
  id, employeeNumber: id, name: id, email: `${id}@example.com`, kind: 'EMPLOYEE', roleId: 'consultant', managerId: null, costCenterId: 'cc',
  legalEntityId, location: 'x', calendarId: 'cal', skills: [], hireDate: '2020-01-01', terminationDate: null, status: 'ACTIVE', costRates, accessRoles: ['WORKER'],
});

const entry = (id: string, workerId: string, projectId: string, assignmentId: string, date: string, hours: string, more: Partial<DemoTimeEntry> = {}): DemoTimeEntry => ({
  id, workerId, projectId, taskId: `task-${projectId}`, assignmentId, roleId: 'consultant', date, hours, billable: true, notes: 'work',
  status: 'APPROVED', decidedBy: 'boss', rejectionReason: null, ...more,
});

const expense = (id: string, workerId: string, projectId: string, date: string, amount: string, currency: string, billable: boolean, status: DemoExpense['status'] = 'APPROVED'): DemoExpense => ({
  id, workerId, projectId, date, amount, currency, category: 'TRAVEL', billable, receiptRef: null, status,
});

/**
 * A small plan whose numbers are checked by hand (today 2026-03-16; T&M work before March is invoiced):
 *   te-1 anna 2026-01-20 8 h: cost 8 × 60 = 480.00 EUR; bill 8 × 120 = 960.00 EUR → January invoice
 *   te-2 anna 2026-02-10 7.5 h: cost 7.5 × 65 = 487.50 EUR; bill 900.00 EUR → February invoice
 *   te-3 bob 2026-02-11 1.25 h: cost 1.25 × 80 = 100.00 USD; bill at bob's override 1.25 × 150 = 187.50 EUR → February
 *   te-4 anna 2026-03-02 4 h: cost 260.00 EUR; bill 480.00 EUR UNBILLED (this month)
 *   te-5 anna non-billable 2 h: cost 130.00 EUR only;  te-6 SUBMITTED: nothing
 *   te-7 bob on the fixed fee: cost 5 × 80 = 400.00 USD only (a fixed fee bills milestones and its schedule, not hours)
 *   te-8 anna as architect (not on the card) 1 h: cost 65.00 EUR; HELD
 *   ex-1 anna's 84.30 EUR billable on the T&M: cost 84.30 EUR; bills 84.30 EUR (no markup) UNBILLED
 *   ex-2 bob's 40.00 USD billable on the EUR contract: cost 40.00 USD; HELD (CURRENCY_MISMATCH)
 *   ex-3 bob's 25.00 USD not billable on the fixed fee: cost only;  ex-4 SUBMITTED: nothing
 * Invoices (DE customer of the DE entity: 19 %): January 960.00 + 182.40 = 1142.40, due 2026-03-03: PAID;
 *   February 1087.50 + 206.63 (206.625 → up) = 1294.13, due 2026-03-31: ISSUED and open.
 */
const firm: DemoFirm = {
  today: '2026-03-16',
  scale: 1,
  legalEntities: [
    { id: 'le-de', code: 'DE', name: 'Firm GmbH', country: 'DE', currency: 'EUR' },
    { id: 'le-us', code: 'US', name: 'Firm Inc', country: 'US', currency: 'USD' },
  ],
  costCenters: [], calendars: [], roles: [], leaves: [], contacts: [], opportunities: [], tasks: [], milestones: [], staffingRequests: [],
  expenses: [
    expense('ex-1', 'anna', 'p-tm', '2026-02-17', '84.30', 'EUR', true),
    expense('ex-2', 'bob', 'p-tm', '2026-02-18', '40.00', 'USD', true),
    expense('ex-3', 'bob', 'p-ff', '2026-02-19', '25.00', 'USD', false),
    expense('ex-4', 'anna', 'p-tm', '2026-03-05', '12.00', 'EUR', true, 'SUBMITTED'),
  ],
  workers: [
    workerOf('anna', 'le-de', [
      { amount: '60.00', currency: 'EUR', effectiveFrom: '2025-01-01', effectiveTo: '2026-01-31' },
      { amount: '65.00', currency: 'EUR', effectiveFrom: '2026-02-01', effectiveTo: null },
    ]),
    workerOf('bob', 'le-us', [{ amount: '80.00', currency: 'USD', effectiveFrom: '2020-01-01', effectiveTo: null }]),
  ],
  customers: [
    { id: 'c-de', code: 'CDE', name: 'Kunde AG', currency: 'EUR', parentId: null, taxId: null, billingAddress: { line1: 'x', city: 'Berlin', postalCode: '1', country: 'DE' } },
    { id: 'c-us', code: 'CUS', name: 'Client Co', currency: 'USD', parentId: null, taxId: null, billingAddress: { line1: 'x', city: 'Boston', postalCode: '1', country: 'US' } },
  ],
  contracts: [
    {
      id: 'k-tm', rateCardId: 'rc-tm', number: 'K-TM', name: 'T&M', customerId: 'c-de', billingMethod: 'TIME_AND_MATERIALS', currency: 'EUR', legalEntityId: 'le-de',
      soldHours: null, amount: null, notToExceed: null, startDate: '2025-01-01', endDate: null, status: 'ACTIVE', opportunityId: null,
      rates: [{ roleId: 'consultant', billRate: '120.00', effectiveFrom: '2025-01-01', effectiveTo: null }],
    },
    {
      id: 'k-ff', rateCardId: 'rc-ff', number: 'K-FF', name: 'Fixed', customerId: 'c-us', billingMethod: 'FIXED_FEE', currency: 'USD', legalEntityId: 'le-us',
      soldHours: null, amount: '50000.00', notToExceed: null, startDate: '2025-01-01', endDate: null, status: 'ACTIVE', opportunityId: null, rates: [],
    },
  ],
  projects: [
    { id: 'p-tm', code: 'P-TM', name: 'T&M', customerId: 'c-de', contractId: 'k-tm', billingMethod: 'TIME_AND_MATERIALS', legalEntityId: 'le-de', currency: 'EUR', status: 'ACTIVE', startDate: '2025-01-01', endDate: null, budgetHours: '100', budgetAmount: null, managerId: 'boss' },
    { id: 'p-ff', code: 'P-FF', name: 'Fixed', customerId: 'c-us', contractId: 'k-ff', billingMethod: 'FIXED_FEE', legalEntityId: 'le-us', currency: 'USD', status: 'ACTIVE', startDate: '2025-01-01', endDate: null, budgetHours: '100', budgetAmount: null, managerId: 'boss' },
  ],
  assignments: [
    { id: 'a-anna', projectId: 'p-tm', workerId: 'anna', roleId: 'consultant', startDate: '2025-01-01', endDate: '2026-12-31', plannedHours: '500', status: 'CONFIRMED', billRateOverride: null },
    { id: 'a-bob', projectId: 'p-tm', workerId: 'bob', roleId: 'consultant', startDate: '2025-01-01', endDate: '2026-12-31', plannedHours: '100', status: 'CONFIRMED', billRateOverride: '150.00' },
    { id: 'a-bob-ff', projectId: 'p-ff', workerId: 'bob', roleId: 'developer', startDate: '2025-01-01', endDate: '2026-12-31', plannedHours: '100', status: 'CONFIRMED', billRateOverride: null },
  ],
  *timeEntries() {
    yield entry('te-1', 'anna', 'p-tm', 'a-anna', '2026-01-20', '8.00');
    yield entry('te-2', 'anna', 'p-tm', 'a-anna', '2026-02-10', '7.50');
    yield entry('te-3', 'bob', 'p-tm', 'a-bob', '2026-02-11', '1.25');
    yield entry('te-4', 'anna', 'p-tm', 'a-anna', '2026-03-02', '4.00');
    yield entry('te-5', 'anna', 'p-tm', 'a-anna', '2026-03-03', '2.00', { billable: false });
    yield entry('te-6', 'anna', 'p-tm', 'a-anna', '2026-03-04', '3.00', { status: 'SUBMITTED', decidedBy: null });
    yield entry('te-7', 'bob', 'p-ff', 'a-bob-ff', '2026-02-12', '5.00', { roleId: 'developer' });
    yield entry('te-8', 'anna', 'p-tm', 'a-anna', '2026-02-13', '1.00', { roleId: 'architect' });
  },
};

describe('erp seed', () => {
  let erp: SubgraphHarness<ErpDatabase>;
  before(async () => {
    erp = await startSubgraph(erpSubgraph);
    await erpSubgraph.seed(erp.database.db, firm);
  });
  after(() => erp.close());

  it('prepares a READY billing setup per contract and a domestic and a default tax rate per legal entity', async () => {
    const result = await erp.call(`{ billingSetups { nodes { contract { id } status } } taxRates { nodes { legalEntity { id } customerCountry ratePercent } } }`, {}, finance);
    assert.deepEqual(result.data.billingSetups.nodes.map((node: { contract: { id: string }; status: string }) => `${node.contract.id}:${node.status}`).sort(), ['k-ff:READY', 'k-tm:READY']);
    assert.deepEqual(
      result.data.taxRates.nodes.map((node: { legalEntity: { id: string }; customerCountry: string | null; ratePercent: string }) => `${node.legalEntity.id}/${node.customerCountry}/${node.ratePercent}`).sort(),
      ['le-de/DE/19.00', 'le-de/null/0.00', 'le-us/US/0.00', 'le-us/null/0.00'],
    );
  });

  it('posts cost for every approved entry at the cost rate of its date, and every approved expense at its amount', async () => {
    const rows = await erp.database.db.selectFrom('cost_posting').select(['source_id', 'hours', 'cost_rate', 'amount', 'currency', 'legal_entity_id']).orderBy('source_id').execute();
    assert.deepEqual(rows.map((row) => `${row.source_id} ${row.hours}h × ${row.cost_rate} = ${row.amount} ${row.currency} ${row.legal_entity_id}`), [
      'ex-1 nullh × null = 84.30 EUR le-de',
      'ex-2 nullh × null = 40.00 USD le-de',
      'ex-3 nullh × null = 25.00 USD le-us',
      'te-1 8.00h × 60.00 = 480.00 EUR le-de',
      'te-2 7.50h × 65.00 = 487.50 EUR le-de',
      'te-3 1.25h × 80.00 = 100.00 USD le-us',
      'te-4 4.00h × 65.00 = 260.00 EUR le-de',
      'te-5 2.00h × 65.00 = 130.00 EUR le-de',
      'te-7 5.00h × 80.00 = 400.00 USD le-us',
      'te-8 1.00h × 65.00 = 65.00 EUR le-de',
    ]);
  });

  it('creates a billing event per approved billable entry and expense (none for fixed-fee time), invoicing T&M work of past months', async () => {
    const result = await erp.call(`{ billingEvents(first: 20) { nodes { sourceId status rate { amount } amount { amount currency } heldReason invoiceLine { invoice { number } } } } }`, {}, finance);
    const summary = result.data.billingEvents.nodes
      .map((node: any) => `${node.sourceId} ${node.status} ${node.rate?.amount ?? '-'} ${node.amount.amount} ${node.amount.currency} ${node.invoiceLine?.invoice.number ?? '-'}`)
      .sort();
    assert.deepEqual(summary, [
      'ex-1 UNBILLED - 84.30 EUR -',
      'ex-2 HELD - 40.00 USD -',
      'te-1 BILLED 120.00 960.00 EUR INV-000001',
      'te-2 BILLED 120.00 900.00 EUR INV-000002',
      'te-3 BILLED 150.00 187.50 EUR INV-000002',
      'te-4 UNBILLED 120.00 480.00 EUR -',
      'te-8 HELD - 0.00 EUR -',
    ]);
    assert.deepEqual(result.data.billingEvents.nodes.filter((node: any) => node.status === 'HELD').map((node: any) => `${node.sourceId} ${node.heldReason}`), ['ex-2 CURRENCY_MISMATCH', 'te-8 NO_RATE']);
  });

  it('issues the invoices with tax, settles the one that fell due, and leaves AR open', async () => {
    const result = await erp.call(
      `{ invoices(filter: { customerId: "c-de" }) { nodes { number status periodEnd issueDate dueDate subtotal { amount } taxTotal { amount } total { amount } amountPaid { amount } balance { amount } lines { quantity unitPrice { amount } amount { amount } } } }
         _entities(representations: [{ __typename: "Customer", id: "c-de" }]) { ... on Customer { arBalance { amount currency } } } }`,
      {},
      finance,
    );
    const [february, january] = result.data.invoices.nodes;
    assert.deepEqual({ ...january, lines: undefined }, {
      number: 'INV-000001', status: 'PAID', periodEnd: '2026-01-31', issueDate: '2026-02-01', dueDate: '2026-03-03', lines: undefined,
      subtotal: { amount: '960.00' }, taxTotal: { amount: '182.40' }, total: { amount: '1142.40' }, amountPaid: { amount: '1142.40' }, balance: { amount: '0.00' },
    });
    assert.deepEqual({ ...february, lines: undefined }, {
      number: 'INV-000002', status: 'ISSUED', periodEnd: '2026-02-28', issueDate: '2026-03-01', dueDate: '2026-03-31', lines: undefined,
      subtotal: { amount: '1087.50' }, taxTotal: { amount: '206.63' }, total: { amount: '1294.13' }, amountPaid: { amount: '0.00' }, balance: { amount: '1294.13' },
    });
    assert.deepEqual(february.lines, [
      { quantity: '7.50', unitPrice: { amount: '120.00' }, amount: { amount: '900.00' } },
      { quantity: '1.25', unitPrice: { amount: '150.00' }, amount: { amount: '187.50' } },
    ]);
    assert.deepEqual(result.data._entities[0].arBalance, [{ amount: '1294.13', currency: 'EUR' }]);
    const sequence = await erp.database.db.selectFrom('document_sequence').selectAll().where('legal_entity_id', '=', 'le-de').where('kind', '=', 'INVOICE').executeTakeFirstOrThrow();
    assert.equal(sequence.next_number, 3);
  });

  it('adds up to the project financials', async () => {
    const result = await erp.call(
      `{ _entities(representations: [{ __typename: "Project", id: "p-tm", budgetHours: "100" }]) { ... on Project { financials { costToDate { amount currency } billed { amount } unbilledAmount { amount } unbilledHours budgetBurnPercent } } } }`,
      {},
      finance,
    );
    assert.deepEqual(result.data._entities[0].financials, {
      costToDate: [{ amount: '1506.80', currency: 'EUR' }, { amount: '140.00', currency: 'USD' }], // time 1422.50 + ex-1; 100.00 + ex-2
      billed: [{ amount: '2047.50' }],
      unbilledAmount: [{ amount: '564.30' }, { amount: '40.00' }], // te-4 480.00 + ex-1 84.30 EUR; ex-2 held, in its own currency
      unbilledHours: '5.00',
      budgetBurnPercent: '21.75', // (8 + 7.5 + 1.25 billed + 4 + 1 unbilled) ÷ 100
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../lib/clock.ts';
import { subgraphModules } from '../../gateway/subgraphs.ts';
import { entryBilling } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { K, kpiFirm, taskOf } from '../support/erp-kpi-firm.ts';

/**
 * Unbilled work and invoice cycle time through the gateway, on a firm built for it (support/erp-kpi-firm.ts: Acme at
 * 100.00 EUR an hour, Globex at 150.00 USD), with the clock pinned at each step so the approval postings, issues and
 * payments happen at known instants. The story:
 * - 2026-03-06 17:00: Ana's 8 h (03-02) and 4 h (03-03) and Ben's 2 h (03-04) on p-acme-1 approved: 800, 400, 200 EUR.
 * - 2026-03-13 17:00: Ben's 6 h on p-globex (03-09), 900 USD, and Ana's 5 h on p-acme-2 (03-10), 500 EUR, approved.
 * - 2026-04-02 09:00: March drafted for both contracts; Acme's invoice (1,900.00 + 19 % = 2,261.00) issued that day,
 *   Globex's left as a draft.
 * - 2026-04-08 12:00: late approvals: Ben's 1.5 h on p-acme-1 (03-20), 150 EUR, and Ana's 3 h (04-06), 300 EUR.
 * - 2026-04-20 10:00: Acme pays in full.
 * - 2026-04-22 08:00: Ben's 2 h on p-globex (04-13), 300 USD, approved; 10:00: drafted to 04-15 and issued that day.
 * Everything is read as of 2026-04-30.
 */
describe('erp KPIs through the gateway', () => {
  let graph: HubHarness;
  let now = new Date('2026-03-01T08:00:00Z');
  const clock: Clock = { now: () => now };
  const at = (instant: string) => {
    now = new Date(instant);
  };
  const finance = { roles: ['FINANCE' as const] };
  const admin = { roles: ['ADMIN' as const] };

  const ok = async (query: string, variables: Record<string, unknown> = {}, identity: Parameters<HubHarness['query']>[2] = finance) => {
    const result = await graph.query(query, variables, identity);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };

  /** Logs, submits and approves a worker's entries on a project; waits until erp has posted them. */
  async function approved(workerId: string, projectId: string, entries: Array<[date: string, hours: string]>) {
    const as = { roles: ['WORKER' as const], workerId };
    const inputs = entries.map(([date, hours]) => ({ projectId, taskId: taskOf(projectId), date, hours }));
    const { logTimeEntries } = await ok(`mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { code message } } }`, { inputs }, as);
    const ids = logTimeEntries.map((result: any) => {
      assert.equal(result.error, null, JSON.stringify(result.error));
      return result.entry.id as string;
    });
    await ok(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids }, as);
    await ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids }, admin);
    await graph.hub.settle();
    for (const id of ids) await eventually(async () => assert.equal((await entryBilling(graph, id)).status, 'UNBILLED'));
  }

  const draft = async (contractId: string, periodEnd: string) =>
    (await ok(`mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input) { id } }`, { input: { contractId, periodEnd } })).draftInvoices[0].id as string;
  const issue = async (id: string, issueDate: string) =>
    (await ok(`mutation($id: ID!, $input: IssueInvoiceInput) { issueInvoice(id: $id, input: $input) { total { amount currency } } }`, { id, input: { issueDate } })).issueInvoice;

  before(async () => {
    graph = await startTestHub({ clock });
    for (const [name, { database }] of Object.entries(graph.hub.subgraphs)) {
      await subgraphModules[name as keyof typeof subgraphModules].seed(database.db as never, kpiFirm);
    }
    at('2026-03-06T17:00:00Z');
    await approved(K.worker.ana, K.project.acme1, [['2026-03-02', '8.00'], ['2026-03-03', '4.00']]);
    await approved(K.worker.ben, K.project.acme1, [['2026-03-04', '2.00']]);
    at('2026-03-13T17:00:00Z');
    await approved(K.worker.ben, K.project.globex, [['2026-03-09', '6.00']]);
    await approved(K.worker.ana, K.project.acme2, [['2026-03-10', '5.00']]);
    at('2026-04-02T09:00:00Z');
    const acmeInvoice = await draft(K.contract.acme, '2026-03-31');
    await draft(K.contract.globex, '2026-03-31');
    const acmeTotal = (await issue(acmeInvoice, '2026-04-02')).total;
    assert.deepEqual(acmeTotal, { amount: '2261.00', currency: 'EUR' }, '1,900.00 + 19 % tax');
    at('2026-04-08T12:00:00Z');
    await approved(K.worker.ben, K.project.acme1, [['2026-03-20', '1.50']]);
    await approved(K.worker.ana, K.project.acme1, [['2026-04-06', '3.00']]);
    at('2026-04-20T10:00:00Z');
    await ok(`mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { invoice { status } } }`, {
      input: { invoiceId: acmeInvoice, amount: acmeTotal, receivedOn: '2026-04-20', reference: 'wire' },
    });
    at('2026-04-22T08:00:00Z');
    await approved(K.worker.ben, K.project.globex, [['2026-04-13', '2.00']]);
    at('2026-04-22T10:00:00Z');
    await issue(await draft(K.contract.globex, '2026-04-15'), '2026-04-22');
    at('2026-04-30T18:00:00Z');
  });
  after(() => graph?.close());

  const unbilled = `query($from: Date!, $to: Date!, $groupBy: [KpiDimension!]!, $period: CalendarPeriod, $filter: KpiFilter) {
    unbilledWork(from: $from, to: $to, groupBy: $groupBy, period: $period, filter: $filter) {
      customer { name } worker { name } costCenter { code } project { code } periodStart periodEnd currency
      unbilled { hours amount { amount } } onDraft { hours amount { amount } } held { events } total { hours amount { amount currency } events }
      oldestDate aging { fromDays amount { amount } }
    } }`;

  it('shows approved work not yet invoiced per customer and month, the draft apart, a row per currency', async () => {
    // asOf defaults to today by the pinned clock (2026-04-30).
    const { unbilledWork } = await ok(unbilled, { from: '2026-03-01', to: '2026-04-30', groupBy: ['CUSTOMER'], period: 'MONTH' });
    assert.deepEqual(
      unbilledWork.map((row: any) => [row.periodStart, row.periodEnd, row.customer.name, row.currency, row.unbilled.amount.amount, row.onDraft.amount.amount, row.total.hours, row.oldestDate]),
      [
        // March, Acme: only Ben's late 1.5 h × 100.00 = 150.00 (the rest is on the issued invoice).
        ['2026-03-01', '2026-03-31', 'Acme AG', 'EUR', '150.00', '0.00', '1.50', '2026-03-20'],
        // March, Globex: Ben's 6 h × 150.00 = 900.00 USD, on the draft.
        ['2026-03-01', '2026-03-31', 'Globex Inc.', 'USD', '0.00', '900.00', '6.00', '2026-03-09'],
        // April, Acme: Ana's 3 h × 100.00 = 300.00 (Globex's April work is on its issued invoice).
        ['2026-04-01', '2026-04-30', 'Acme AG', 'EUR', '300.00', '0.00', '3.00', '2026-04-06'],
      ],
    );
    // Ages on 04-30: 03-20 is 41 days, 03-09 is 52 (31–60); 04-06 is 24 (0–30).
    assert.deepEqual(unbilledWork.map((row: any) => row.aging.map((b: any) => b.amount.amount)), [
      ['0.00', '150.00', '0.00', '0.00'],
      ['0.00', '900.00', '0.00', '0.00'],
      ['300.00', '0.00', '0.00', '0.00'],
    ]);
  });

  it('groups by worker and by project, selecting their fields from hcm and psa', async () => {
    const byWorker = (await ok(unbilled, { from: '2026-03-01', to: '2026-04-30', groupBy: ['WORKER'] })).unbilledWork;
    assert.deepEqual(byWorker.map((row: any) => [row.worker.name, row.currency, row.total.hours, row.total.amount.amount, row.periodStart, row.periodEnd]), [
      ['Ana Analyst', 'EUR', '3.00', '300.00', '2026-03-01', '2026-04-30'],
      ['Ben Builder', 'EUR', '1.50', '150.00', '2026-03-01', '2026-04-30'],
      ['Ben Builder', 'USD', '6.00', '900.00', '2026-03-01', '2026-04-30'],
    ]);
    const byProject = (await ok(unbilled, { from: '2026-03-01', to: '2026-04-30', groupBy: ['PROJECT'], filter: { customerIds: [K.customer.acme] } })).unbilledWork;
    // p-acme-1: 1.50 + 3.00 h, 150.00 + 300.00; p-acme-2's 5 h are invoiced.
    assert.deepEqual(byProject.map((row: any) => [row.project.code, row.total.hours, row.total.amount.amount, row.worker]), [['P-ACME-1', '4.50', '450.00', null]]);
  });

  it("groups by the workers' cost centers in ISO weeks", async () => {
    const erpStatements = graph.hub.subgraphs.erp.database.statements;
    erpStatements.reset();
    const { unbilledWork } = await ok(unbilled, { from: '2026-03-16', to: '2026-04-12', groupBy: ['COST_CENTER'], period: 'WEEK' });
    assert.equal(erpStatements.total, 2, 'the workers in scope, then the aggregate (their cost centers come from hcm)');
    assert.deepEqual(unbilledWork.map((row: any) => [row.periodStart, row.periodEnd, row.costCenter.code, row.total.amount.amount]), [
      ['2026-03-16', '2026-03-22', 'ADV', '150.00'], // Ben, 03-20
      ['2026-04-06', '2026-04-12', 'DEL', '300.00'], // Ana, 04-06
    ]);
  });

  it("answers Customer.unbilledWork from crm's customers", async () => {
    const { customers } = await ok(`query($ids: [ID!]) { customers(first: 10, filter: { ids: $ids }) { nodes { name
      unbilledWork(from: "2026-03-01", to: "2026-04-30") { currency total { hours amount { amount } } } } } }`, { ids: [K.customer.acme, K.customer.globex] });
    const byName = Object.fromEntries(customers.nodes.map((c: any) => [c.name, c.unbilledWork.map((row: any) => [row.currency, row.total.hours, row.total.amount.amount])]));
    assert.deepEqual(byName, { 'Acme AG': [['EUR', '4.50', '450.00']], 'Globex Inc.': [['USD', '6.00', '900.00']] });
  });

  const cycle = `query($from: Date!, $to: Date!, $groupBy: [KpiDimension!]!, $period: CalendarPeriod) {
    invoiceCycleTime(from: $from, to: $to, groupBy: $groupBy, period: $period) {
      customer { name } project { code } periodStart periodEnd invoices
      approvalToIssue { count meanDays medianDays maxDays } periodEndToIssue { count meanDays }
      issueToPaid { count meanDays } open { count meanDays }
    } }`;

  it('measures invoice cycle times per customer', async () => {
    const { invoiceCycleTime } = await ok(cycle, { from: '2026-04-01', to: '2026-04-30', groupBy: ['CUSTOMER'] });
    assert.deepEqual(invoiceCycleTime.map((row: any) => [row.customer.name, row.invoices]), [['Acme AG', 1], ['Globex Inc.', 1]]);
    const [acme, globex] = invoiceCycleTime;
    // Acme's four lines: three posted 03-06 17:00 and one 03-13 17:00, issued 04-02 09:00 → 26 d 16 h = 26.67 days
    // (×3) and 19.67 days: mean (80.00 + 19.67) / 4 = 24.92, median 26.67. Period end 03-31 → 04-02: 2 days; paid
    // 04-20: 18 days.
    assert.deepEqual(acme.approvalToIssue, { count: 4, meanDays: '24.92', medianDays: '26.67', maxDays: '26.67' });
    assert.deepEqual([acme.periodEndToIssue, acme.issueToPaid, acme.open], [{ count: 1, meanDays: '2.00' }, { count: 1, meanDays: '18.00' }, { count: 0, meanDays: null }]);
    // Globex's April invoice: posted 04-22 08:00, issued 10:00 → 2 h = 0.08 days; 04-15 → 04-22: 7 days; open since
    // 04-22: 8 days on 04-30.
    assert.deepEqual(globex.approvalToIssue, { count: 1, meanDays: '0.08', medianDays: '0.08', maxDays: '0.08' });
    assert.deepEqual([globex.periodEndToIssue, globex.issueToPaid, globex.open], [{ count: 1, meanDays: '7.00' }, { count: 0, meanDays: null }, { count: 1, meanDays: '8.00' }]);
  });

  it("groups cycle times by the invoice's project and by week", async () => {
    const byProject = (await ok(cycle, { from: '2026-04-01', to: '2026-04-30', groupBy: ['PROJECT'] })).invoiceCycleTime;
    // Acme's invoice bills two projects: no project.
    assert.deepEqual(byProject.map((row: any) => [row.project?.code ?? null, row.invoices, row.approvalToIssue.count]), [[null, 1, 4], ['P-GLOBEX', 1, 1]]);
    const byWeek = (await ok(cycle, { from: '2026-04-01', to: '2026-04-30', groupBy: [], period: 'WEEK' })).invoiceCycleTime;
    assert.deepEqual(byWeek.map((row: any) => [row.periodStart, row.periodEnd, row.invoices, row.customer]), [
      ['2026-04-01', '2026-04-05', 1, null], // 04-02, in the week of 03-30, clipped to the range
      ['2026-04-20', '2026-04-26', 1, null], // 04-22
    ]);
  });

  it('is for finance and admins only', async () => {
    const range = { from: '2026-03-01', to: '2026-04-30', groupBy: ['CUSTOMER'] };
    for (const identity of [{ roles: ['MANAGER' as const], workerId: K.worker.mia }, { roles: ['WORKER' as const], workerId: K.worker.ana }]) {
      assert.equal((await graph.query(unbilled, range, identity)).errors?.[0]?.extensions?.code, 'FORBIDDEN');
      assert.equal((await graph.query(cycle, range, identity)).errors?.[0]?.extensions?.code, 'FORBIDDEN');
    }
    assert.equal((await graph.query(cycle, { ...range, groupBy: ['WORKER'] }, finance)).errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.ok((await ok(unbilled, range, admin)).unbilledWork.length > 0);
  });
});

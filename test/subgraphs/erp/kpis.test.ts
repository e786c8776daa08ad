import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { erpSubgraph, type ErpDatabase, type KpiFactsSource } from '../../../subgraphs/erp/index.ts';
import { createErpSubgraph } from '../../../subgraphs/erp/server.ts';
import { dataOf, startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { erpFixtures, finance, manager, requestStatements } from './fixtures.ts';

/**
 * erp's KPIs on hand-built billing events and invoices (known dates and instants), with hcm's cost centers served by
 * a fake: w-ana sits in cc-delivery, w-ben in cc-advisory, w-cy is unknown to hcm.
 */
const costCenters = new Map([['w-ana', 'cc-delivery'], ['w-ben', 'cc-advisory']]);

describe('erp KPIs', () => {
  let erp: SubgraphHarness<ErpDatabase>;
  const asked: string[][] = [];
  const facts: KpiFactsSource = {
    async costCentersOf(workerIds) {
      asked.push([...workerIds]);
      return workerIds.map((id) => ({ worker_id: id, cost_center_id: costCenters.get(id) ?? null }));
    },
  };

  const unbilled = `query($from: Date!, $to: Date!, $groupBy: [KpiDimension!]!, $period: CalendarPeriod, $filter: KpiFilter, $asOf: Date) {
    unbilledWork(from: $from, to: $to, groupBy: $groupBy, period: $period, filter: $filter, asOf: $asOf) {
      worker { id } costCenter { id } customer { id } project { id } periodStart periodEnd currency
      unbilled { hours amount { amount currency } events } held { hours amount { amount } events }
      onDraft { hours amount { amount } events } total { hours amount { amount } events }
      oldestDate aging { fromDays toDays hours amount { amount } events }
    } }`;
  const cycle = `query($from: Date!, $to: Date!, $groupBy: [KpiDimension!]!, $period: CalendarPeriod, $filter: KpiFilter, $asOf: Date) {
    invoiceCycleTime(from: $from, to: $to, groupBy: $groupBy, period: $period, filter: $filter, asOf: $asOf) {
      customer { id } legalEntity { id } project { id } periodStart periodEnd invoices
      approvalToIssue { count meanDays medianDays maxDays } periodEndToIssue { count meanDays medianDays maxDays }
      issueToPaid { count meanDays medianDays maxDays } open { count meanDays medianDays maxDays }
    } }`;
  const asOf = '2026-04-30';
  const run = async (query: string, variables: Record<string, unknown>) => dataOf(await erp.call(query, { asOf, ...variables }, finance));
  const codeOf = async (query: string, variables: Record<string, unknown>, identity = finance) =>
    (await erp.call(query, { asOf, ...variables }, identity)).errors?.[0]?.extensions?.code;

  before(async () => {
    erp = await startSubgraph(erpSubgraph, { create: (deps) => createErpSubgraph(deps, { kpiFacts: facts }) });
    const make = erpFixtures(erp.database.db);
    const event = (values: Omit<Parameters<typeof make.billingEvent>[0], 'currency'> & { currency?: string }) =>
      make.billingEvent({ customer_id: 'c1', project_id: 'p1', ...values, currency: values.currency ?? 'EUR' });

    // Unbilled work, aged against 2026-04-30.
    await event({ source_id: 'e1', status: 'UNBILLED', worker_id: 'w-ana', role_id: 'r-dev', date: '2026-03-02', hours: '2.00', amount: '200.00' }); // 59 days
    await event({ source_id: 'e2', status: 'UNBILLED', worker_id: 'w-ben', role_id: 'r-dev', date: '2026-03-10', hours: '1.50', amount: '150.00' }); // 51 days
    await event({ source_id: 'e3', status: 'HELD', worker_id: 'w-ana', role_id: 'r-lead', date: '2026-01-20', hours: '3.00', amount: '300.00' }); // 100 days
    const onDraft = await event({ source_id: 'e4', status: 'BILLED', worker_id: 'w-ana', project_id: 'p2', date: '2026-04-06', hours: '4.00', amount: '400.00' }); // 24 days
    const onIssued = await event({ source_id: 'e5', status: 'BILLED', worker_id: 'w-ana', date: '2026-03-03', hours: '5.00', amount: '500.00' });
    await event({ source_id: 'e6', status: 'REVERSED', worker_id: 'w-ana', date: '2026-03-04', hours: '6.00', amount: '600.00' });
    await event({ source_id: 'e7', status: 'UNBILLED', worker_id: 'w-ben', role_id: 'r-dev', legal_entity_id: 'le-us', customer_id: 'c2', currency: 'USD', project_id: 'p3', date: '2026-03-16', hours: '2.00', amount: '300.00' }); // 45 days
    await event({ source_id: 'm8', source_type: 'MILESTONE', status: 'UNBILLED', date: '2026-02-27', amount: '1000.00' }); // 62 days, no worker, no hours
    await event({ source_id: 'e9', status: 'UNBILLED', worker_id: 'w-ana', date: '2025-12-31', hours: '9.00', amount: '900.00' }); // before the range
    await event({ source_id: 'e10', status: 'HELD', worker_id: 'w-cy', customer_id: 'c2', currency: 'USD', project_id: 'p3', date: '2026-04-29', hours: '1.00', amount: '150.00' }); // 1 day
    const draft = await make.invoice({ customer_id: 'c1', currency: 'EUR', status: 'DRAFT' });
    await make.line({ invoice_id: draft, position: 1, amount: '400.00', currency: 'EUR', billing_event_id: onDraft, source_type: 'TIME_ENTRY', source_id: 'e4' });
    const issued = await make.invoice({ customer_id: 'c1', currency: 'EUR', status: 'ISSUED', issue_date: '2026-01-05', issued_at: new Date('2026-01-05T10:00:00Z') });
    await make.line({ invoice_id: issued, position: 1, amount: '500.00', currency: 'EUR', billing_event_id: onIssued, source_type: 'TIME_ENTRY', source_id: 'e5' });

    // Invoice cycle time: events created at known instants, invoices issued at known instants and dates.
    const created = (source: string, at: string) => make.billingEvent({ source_id: source, status: 'BILLED', amount: '1.00', currency: 'EUR', created_at: new Date(at) });
    const invoice = (values: Parameters<typeof make.invoice>[0]) => make.invoice({ legal_entity_id: 'le-de', subtotal: values.total ?? '0.00', ...values });
    const line = (invoiceId: string, position: number, billingEventId: string | null, projectId: string | null) =>
      make.line({ invoice_id: invoiceId, position, amount: '1.00', currency: 'EUR', billing_event_id: billingEventId, project_id: projectId });
    // I1 (c1): period end 01-31, issued 02-03 12:00, paid 600 on 02-20 and 400 on 03-05 → PAID.
    const i1 = await invoice({ customer_id: 'c1', currency: 'EUR', status: 'PAID', period_end: '2026-01-31', issue_date: '2026-02-03', issued_at: new Date('2026-02-03T12:00:00Z'), total: '1000.00' });
    await line(i1, 1, await created('l1', '2026-01-10T12:00:00Z'), 'p1'); // 24.00 days
    await line(i1, 2, await created('l2', '2026-01-31T00:00:00Z'), 'p1'); // 3.50 days
    await make.payment({ invoice_id: i1, amount: '600.00', currency: 'EUR', received_on: '2026-02-20' });
    await make.payment({ invoice_id: i1, amount: '400.00', currency: 'EUR', received_on: '2026-03-05' }); // 30 days after issue
    // I2 (c1): period end 02-28, issued 03-02 06:00, unpaid: open 59 days on 04-30.
    const i2 = await invoice({ customer_id: 'c1', currency: 'EUR', status: 'ISSUED', period_end: '2026-02-28', issue_date: '2026-03-02', issued_at: new Date('2026-03-02T06:00:00Z'), total: '500.00' });
    await line(i2, 1, await created('l3', '2026-02-27T18:00:00Z'), 'p2'); // 2.50 days
    // I3 (c2, USD, le-us): period end 02-28, issued 03-10 00:00, paid 03-25; lines of two projects and an adjustment.
    const i3 = await invoice({ customer_id: 'c2', currency: 'USD', legal_entity_id: 'le-us', status: 'PAID', period_end: '2026-02-28', issue_date: '2026-03-10', issued_at: new Date('2026-03-10T00:00:00Z'), total: '300.00' });
    await line(i3, 1, await created('l4', '2026-03-01T00:00:00Z'), 'p3'); // 9.00 days
    await line(i3, 2, await created('l5', '2026-02-20T00:00:00Z'), 'p4'); // 18.00 days
    await line(i3, 3, null, null);
    await make.payment({ invoice_id: i3, amount: '300.00', currency: 'USD', received_on: '2026-03-25' }); // 15 days
    // I4 (c1): issued, then voided: not counted.
    await invoice({ customer_id: 'c1', currency: 'EUR', status: 'VOID', period_end: '2026-01-31', issue_date: '2026-02-10', issued_at: new Date('2026-02-10T00:00:00Z') });
    // I5 (c1): period end 03-15, issued 03-20, credited in full: nothing left to pay, so not open.
    const i5 = await invoice({ customer_id: 'c1', currency: 'EUR', status: 'ISSUED', period_end: '2026-03-15', issue_date: '2026-03-20', issued_at: new Date('2026-03-20T00:00:00Z'), total: '100.00' });
    await make.creditNote({ invoice_id: i5, customer_id: 'c1', currency: 'EUR', total: '100.00', status: 'ISSUED' });
    // I6: a draft, never issued.
    await invoice({ customer_id: 'c1', currency: 'EUR', status: 'DRAFT', period_end: '2026-03-31' });
    // I7 (c2): period end 03-31, issued 04-10, 50 of 200 paid: open 20 days on 04-30.
    const i7 = await invoice({ customer_id: 'c2', currency: 'USD', legal_entity_id: 'le-us', status: 'PARTIALLY_PAID', period_end: '2026-03-31', issue_date: '2026-04-10', issued_at: new Date('2026-04-10T00:00:00Z'), total: '200.00' });
    await make.payment({ invoice_id: i7, amount: '50.00', currency: 'USD', received_on: '2026-04-15' });
  });
  after(() => erp.close());

  const amounts = (row: any) => ({
    unbilled: [row.unbilled.hours, row.unbilled.amount.amount, row.unbilled.events],
    held: [row.held.hours, row.held.amount.amount, row.held.events],
    onDraft: [row.onDraft.hours, row.onDraft.amount.amount, row.onDraft.events],
    total: [row.total.hours, row.total.amount.amount, row.total.events],
  });

  it('sums unbilled, held and drafted work per customer and currency, aged against asOf', async () => {
    const { unbilledWork } = await run(unbilled, { from: '2026-01-01', to: '2026-04-30', groupBy: ['CUSTOMER'] });
    assert.deepEqual(unbilledWork.map((row: any) => [row.customer.id, row.currency, row.periodStart, row.periodEnd, row.worker]), [
      ['c1', 'EUR', '2026-01-01', '2026-04-30', null],
      ['c2', 'USD', '2026-01-01', '2026-04-30', null],
    ]);
    const [c1, c2] = unbilledWork;
    // c1: unbilled e1 + e2 + m8 = 2.00 + 1.50 + 0 h, 200 + 150 + 1000; held e3; on the draft e4; e5 (issued), e6
    // (reversed) and e9 (before the range) are left out. Total 10.50 h, 2050.00.
    assert.deepEqual(amounts(c1), {
      unbilled: ['3.50', '1350.00', 3], held: ['3.00', '300.00', 1], onDraft: ['4.00', '400.00', 1], total: ['10.50', '2050.00', 5],
    });
    assert.equal(c1.unbilled.amount.currency, 'EUR');
    assert.equal(c1.oldestDate, '2026-01-20');
    // Ages on 04-30: e4 24 days; e1 59, e2 51; m8 62; e3 100.
    assert.deepEqual(c1.aging.map((b: any) => [b.fromDays, b.toDays, b.hours, b.amount.amount, b.events]), [
      [0, 30, '4.00', '400.00', 1], [31, 60, '3.50', '350.00', 2], [61, 90, '0.00', '1000.00', 1], [91, null, '3.00', '300.00', 1],
    ]);
    // c2 (USD, never added to EUR): e7 unbilled (45 days), e10 held (1 day).
    assert.deepEqual(amounts(c2), { unbilled: ['2.00', '300.00', 1], held: ['1.00', '150.00', 1], onDraft: ['0.00', '0.00', 0], total: ['3.00', '450.00', 2] });
    assert.deepEqual(c2.aging.map((b: any) => b.amount.amount), ['150.00', '300.00', '0.00', '0.00']);
  });

  it('groups by worker and month of the event date, filtered by customer', async () => {
    const { unbilledWork } = await run(unbilled, { from: '2026-01-01', to: '2026-04-30', groupBy: ['WORKER'], period: 'MONTH', filter: { customerIds: ['c1'] } });
    assert.deepEqual(
      unbilledWork.map((row: any) => [row.periodStart, row.periodEnd, row.worker?.id ?? null, row.total.hours, row.total.amount.amount]),
      [
        ['2026-01-01', '2026-01-31', 'w-ana', '3.00', '300.00'], // e3 (held)
        ['2026-02-01', '2026-02-28', null, '0.00', '1000.00'], // m8: a milestone has no worker
        ['2026-03-01', '2026-03-31', 'w-ana', '2.00', '200.00'], // e1
        ['2026-03-01', '2026-03-31', 'w-ben', '1.50', '150.00'], // e2
        ['2026-04-01', '2026-04-30', 'w-ana', '4.00', '400.00'], // e4 (on the draft)
      ],
    );
  });

  it('groups by role and legal entity, by day, filtered by role', async () => {
    const roles = `query($groupBy: [KpiDimension!]!, $period: CalendarPeriod, $filter: KpiFilter) {
      unbilledWork(from: "2026-01-01", to: "2026-04-30", groupBy: $groupBy, period: $period, filter: $filter, asOf: "2026-04-30") {
        role { id } legalEntity { id } periodStart periodEnd currency total { amount { amount } } } }`;
    const byRole = (await run(roles, { groupBy: ['ROLE', 'LEGAL_ENTITY', 'ROLE'] })).unbilledWork;
    assert.deepEqual(byRole.map((row: any) => [row.role?.id ?? null, row.legalEntity.id, row.currency, row.total.amount.amount]), [
      ['r-dev', 'le-de', 'EUR', '350.00'], // e1 + e2
      ['r-dev', 'le-us', 'USD', '300.00'], // e7
      ['r-lead', 'le-de', 'EUR', '300.00'], // e3
      [null, 'le-de', 'EUR', '1400.00'], // e4 (400) + m8 (1000): no role
      [null, 'le-de', 'USD', '150.00'], // e10
    ]);
    const byDay = (await run(roles, { groupBy: ['ROLE'], period: 'DAY', filter: { roleIds: ['r-dev'] } })).unbilledWork;
    assert.deepEqual(byDay.map((row: any) => [row.periodStart, row.periodEnd, row.currency, row.total.amount.amount]), [
      ['2026-03-02', '2026-03-02', 'EUR', '200.00'],
      ['2026-03-10', '2026-03-10', 'EUR', '150.00'],
      ['2026-03-16', '2026-03-16', 'USD', '300.00'],
    ]);
  });

  it("groups by the workers' cost centers from hcm and ISO weeks clipped to the range", async () => {
    asked.length = 0;
    // 2026-03-01 is a Sunday: the first week is that one day; 03-02 … 03-08 is the next.
    const { unbilledWork } = await run(unbilled, { from: '2026-03-01', to: '2026-03-31', groupBy: ['COST_CENTER'], period: 'WEEK' });
    assert.deepEqual(
      unbilledWork.map((row: any) => [row.periodStart, row.periodEnd, row.costCenter?.id ?? null, row.currency, row.total.amount.amount]),
      [
        ['2026-03-02', '2026-03-08', 'cc-delivery', 'EUR', '200.00'], // e1 (w-ana)
        ['2026-03-09', '2026-03-15', 'cc-advisory', 'EUR', '150.00'], // e2 (w-ben)
        ['2026-03-16', '2026-03-22', 'cc-advisory', 'USD', '300.00'], // e7 (w-ben)
      ],
    );
    assert.deepEqual(asked, [['w-ana', 'w-ben']], 'one request for the workers in scope');

    const filtered = await run(unbilled, { from: '2026-01-01', to: '2026-04-30', groupBy: [], filter: { costCenterIds: ['cc-advisory'] } });
    // e2 (EUR) and e7 (USD); w-cy (no cost center) and w-ana are left out.
    assert.deepEqual(filtered.unbilledWork.map((row: any) => [row.currency, row.total.amount.amount]), [['EUR', '150.00'], ['USD', '300.00']]);
  });

  it("answers Customer.unbilledWork for a batch of customers in one statement", async () => {
    erp.database.statements.reset();
    const result = await erp.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id unbilledWork(from: "2026-01-01", to: "2026-04-30", asOf: "2026-04-30") { currency total { amount { amount } } } } } }`,
      { r: ['c1', 'c2', 'c3'].map((id) => ({ __typename: 'Customer', id })) },
      finance,
    );
    assert.deepEqual(
      dataOf(result)._entities.map((c: any) => [c.id, c.unbilledWork.map((row: any) => `${row.total.amount.amount} ${row.currency}`)]),
      [['c1', ['2050.00 EUR']], ['c2', ['450.00 USD']], ['c3', []]],
    );
    assert.equal(requestStatements(erp.database.statements).length, 1);
  });

  const stats = (s: any) => [s.count, s.meanDays, s.medianDays, s.maxDays];

  it('measures invoice cycle times per month of issue', async () => {
    const { invoiceCycleTime } = await run(cycle, { from: '2026-02-01', to: '2026-04-30', groupBy: [], period: 'MONTH' });
    assert.deepEqual(invoiceCycleTime.map((row: any) => [row.periodStart, row.periodEnd, row.invoices]), [
      ['2026-02-01', '2026-02-28', 1], // I1 (I4 was voided)
      ['2026-03-01', '2026-03-31', 3], // I2, I3, I5
      ['2026-04-01', '2026-04-30', 1], // I7
    ]);
    const [february, march, april] = invoiceCycleTime;
    // February: lines 24.00 and 3.50 days → mean = median = 13.75; period end 01-31 → 02-03: 3 days; paid 30 days later.
    assert.deepEqual(stats(february.approvalToIssue), [2, '13.75', '13.75', '24.00']);
    assert.deepEqual(stats(february.periodEndToIssue), [1, '3.00', '3.00', '3.00']);
    assert.deepEqual(stats(february.issueToPaid), [1, '30.00', '30.00', '30.00']);
    assert.deepEqual(stats(february.open), [0, null, null, null]);
    // March: lines 2.50, 9.00, 18.00 → mean 29.50 / 3 = 9.83, median 9.00; period end 2, 10, 5 days → mean 5.67,
    // median 5; I3 paid in 15 days; I2 open 59 days (I5 was credited in full: not open).
    assert.deepEqual(stats(march.approvalToIssue), [3, '9.83', '9.00', '18.00']);
    assert.deepEqual(stats(march.periodEndToIssue), [3, '5.67', '5.00', '10.00']);
    assert.deepEqual(stats(march.issueToPaid), [1, '15.00', '15.00', '15.00']);
    assert.deepEqual(stats(march.open), [1, '59.00', '59.00', '59.00']);
    // April: I7 has no lines; period end 03-31 → 04-10: 10 days; half-paid, open 20 days.
    assert.deepEqual(stats(april.approvalToIssue), [0, null, null, null]);
    assert.deepEqual(stats(april.periodEndToIssue), [1, '10.00', '10.00', '10.00']);
    assert.deepEqual(stats(april.open), [1, '20.00', '20.00', '20.00']);
  });

  it('groups cycle times by customer and by the invoice\'s project', async () => {
    const byCustomer = (await run(cycle, { from: '2026-02-01', to: '2026-04-30', groupBy: ['CUSTOMER'] })).invoiceCycleTime;
    assert.deepEqual(byCustomer.map((row: any) => [row.customer.id, row.invoices]), [['c1', 3], ['c2', 2]]);
    // c1: lines 24, 3.5, 2.5 → mean 10.00, median 3.50; period ends 3, 2, 5 → mean 3.33, median 3.
    assert.deepEqual(stats(byCustomer[0].approvalToIssue), [3, '10.00', '3.50', '24.00']);
    assert.deepEqual(stats(byCustomer[0].periodEndToIssue), [3, '3.33', '3.00', '5.00']);
    // c2: lines 9 and 18 → 13.50; I3 paid in 15, I7 open 20.
    assert.deepEqual(stats(byCustomer[1].approvalToIssue), [2, '13.50', '13.50', '18.00']);
    assert.deepEqual([stats(byCustomer[1].issueToPaid), stats(byCustomer[1].open)], [[1, '15.00', '15.00', '15.00'], [1, '20.00', '20.00', '20.00']]);

    // I1 bills p1, I2 p2; I3 bills two projects, I5 and I7 none: no project.
    const byProject = (await run(cycle, { from: '2026-02-01', to: '2026-04-30', groupBy: ['PROJECT'] })).invoiceCycleTime;
    assert.deepEqual(byProject.map((row: any) => [row.project?.id ?? null, row.invoices]), [[null, 3], ['p1', 1], ['p2', 1]]);
    const onlyP1 = (await run(cycle, { from: '2026-02-01', to: '2026-04-30', groupBy: ['LEGAL_ENTITY'], filter: { projectIds: ['p1'] } })).invoiceCycleTime;
    assert.deepEqual(onlyP1.map((row: any) => [row.legalEntity.id, row.invoices, row.approvalToIssue.count]), [['le-de', 1, 2]]);
  });

  it('refuses what a KPI cannot answer, and anyone but finance', async () => {
    const range = { from: '2026-02-01', to: '2026-04-30' };
    assert.equal(await codeOf(cycle, { ...range, groupBy: ['WORKER'] }), 'BAD_USER_INPUT');
    assert.equal(await codeOf(cycle, { ...range, groupBy: [], filter: { workerIds: ['w-ana'] } }), 'BAD_USER_INPUT');
    assert.equal(await codeOf(unbilled, { from: '2026-04-30', to: '2026-04-01', groupBy: [] }), 'BAD_USER_INPUT');
    assert.equal(await codeOf(unbilled, { from: '2016-01-01', to: '2026-12-31', groupBy: [], period: 'DAY' }), 'BAD_USER_INPUT');
    assert.equal(await codeOf(unbilled, { ...range, groupBy: [], asOf: '30.04.2026' }), 'BAD_USER_INPUT');
    assert.equal(await codeOf(unbilled, { ...range, groupBy: ['CUSTOMER'] }, manager), 'FORBIDDEN');
    assert.equal(await codeOf(cycle, { ...range, groupBy: ['CUSTOMER'] }, manager), 'FORBIDDEN');
  });

  it('runs the same statements however many events and groups there are', async () => {
    const statementsOf = async (query: string, variables: Record<string, unknown>) => {
      erp.database.statements.reset();
      await run(query, variables);
      return requestStatements(erp.database.statements).length;
    };
    const questions: Array<[string, Record<string, unknown>]> = [
      [unbilled, { from: '2026-01-01', to: '2026-04-30', groupBy: ['WORKER', 'COST_CENTER', 'PROJECT'], period: 'WEEK' }],
      [unbilled, { from: '2026-01-01', to: '2026-04-30', groupBy: ['CUSTOMER'], period: 'MONTH' }],
      [cycle, { from: '2026-01-01', to: '2026-04-30', groupBy: ['CUSTOMER', 'PROJECT'], period: 'WEEK' }],
    ];
    const counts: number[] = [];
    for (const [query, variables] of questions) counts.push(await statementsOf(query, variables));
    assert.deepEqual(counts, [2, 1, 1], 'workers in scope + the aggregate; the aggregate alone');
    const make = erpFixtures(erp.database.db);
    for (let n = 0; n < 30; n += 1) {
      const id = await make.billingEvent({ source_id: `more-${n}`, status: 'BILLED', worker_id: `w-${n}`, customer_id: `cx-${n}`, project_id: `px-${n}`, date: `2026-02-${String(1 + (n % 28)).padStart(2, '0')}`, amount: '10.00', currency: 'EUR' });
      const invoice = await make.invoice({ customer_id: `cx-${n}`, currency: 'EUR', status: 'ISSUED', issue_date: '2026-03-01' });
      await make.line({ invoice_id: invoice, position: 1, amount: '10.00', currency: 'EUR', billing_event_id: id, project_id: `px-${n}` });
      await make.billingEvent({ source_id: `open-${n}`, status: 'UNBILLED', worker_id: `w-${n}`, customer_id: `cx-${n}`, project_id: `px-${n}`, date: '2026-03-03', amount: '5.00', currency: 'EUR' });
    }
    const grown: number[] = [];
    for (const [query, variables] of questions) grown.push(await statementsOf(query, variables));
    assert.deepEqual(grown, counts);
  });
});

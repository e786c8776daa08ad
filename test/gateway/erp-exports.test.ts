import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../lib/auth/identity.ts';
import { billingEventColumns } from '../../gateway/billing-export.ts';
import { invoiceColumns } from '../../gateway/invoice-export.ts';
import { revenueColumns } from '../../gateway/revenue-export.ts';
import { timeEntryColumns, timeEntryMoneyColumns } from '../../gateway/time-entry-export.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/** Splits RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') record.push(field), records.push(record), (record = []), (field = ''), i++;
    else field += c;
  }
  return records;
}

type Row = Record<string, string | boolean | null>;
const money = /^-?\d+\.\d{2}$/;
const currency = /^[A-Z]{3}$/;

/**
 * The hand-off exports (issue 17 part 5): billing events, invoices (one row per line), revenue and the approved-time
 * export's money, as CSV and JSON lines, with updatedAfter, as the field-access matrix allows.
 */
describe('erp hand-off exports through the gateway', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  const finance = { roles: ['FINANCE'] as Role[] };
  type Caller = Role[] | { roles: Role[]; workerId: string };
  const get = async (path: string, params: Record<string, string> = {}, as: Caller = ['FINANCE'], headers: Record<string, string> = {}) =>
    fetch(`${graph.url.replace('/graphql', `/exports/${path}`)}?${new URLSearchParams(params)}`, {
      headers: { authorization: `Bearer ${await (Array.isArray(as) ? graph.token(as, null) : graph.token(as.roles, as.workerId))}`, ...headers },
    });
  /** Both formats of one export: the CSV's rows (as the JSON lines would have them) and the JSON lines. */
  async function both(name: string, columns: readonly string[], params: Record<string, string> = {}, roles: Caller = ['FINANCE']) {
    const csvResponse = await get(`${name}.csv`, params, roles);
    assert.equal(csvResponse.status, 200, await csvResponse.clone().text());
    assert.match(csvResponse.headers.get('content-type')!, /^text\/csv/);
    const records = parseCsv(await csvResponse.text());
    assert.deepEqual(records[0], [...columns], `${name}: the CSV header`);
    const jsonResponse = await get(name, { ...params, format: 'jsonl' }, roles);
    assert.equal(jsonResponse.status, 200);
    assert.match(jsonResponse.headers.get('content-type')!, /ndjson/);
    const text = await jsonResponse.text();
    const lines: Row[] = text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.ok(lines.every((line) => Object.keys(line).join() === columns.join()), `${name}: every JSON line has the columns, in order`);
    // CSV and JSON lines agree: the same rows, values as strings (booleans as true/false, null as empty).
    const asText = (row: Row) => columns.map((column) => (row[column] === null ? '' : String(row[column])));
    assert.deepEqual(records.slice(1), lines.map(asText), `${name}: CSV and JSON lines agree`);
    return lines;
  }
  const ok = async (query: string, variables: Record<string, unknown> = {}, as: { roles: Role[] } = finance) => {
    const response = await graph.query(query, variables, as);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data;
  };

  it('billing events: every event with its money and its source’s cost, CSV and JSON lines alike', async () => {
    const lines = await both('billing-events', billingEventColumns);
    const { billingEvents } = await ok(`{ billingEvents(first: 1) { totalCount } }`);
    assert.equal(lines.length, billingEvents.totalCount);
    assert.equal(new Set(lines.map((line) => line.id)).size, lines.length);
    for (const line of lines) {
      assert.match(String(line.amount), money);
      assert.match(String(line.currency), currency);
      assert.equal(typeof line.amount, 'string', 'money is a decimal string, never a number');
      if (line.rate !== null) assert.match(String(line.rate), /^\d+\.\d{2,}$/);
      if (line.cost_amount !== null) assert.match(String(line.cost_currency), currency);
    }
    const timeLine = lines.find((line) => line.source_type === 'TIME_ENTRY' && line.rate !== null && line.cost_rate !== null)!;
    const { billingEvent, timeEntries } = await ok(
      `query($id: ID!, $entry: ID!) {
        billingEvent(id: $id) { hours rate { amount currency } amount { amount currency } status invoiceLine { invoice { number } } }
        timeEntries(filter: { ids: [$entry] }) { nodes { costPosting { costRate { amount } amount { amount currency } } } }
      }`,
      { id: timeLine.id, entry: timeLine.source_id },
    );
    const [{ costPosting }] = timeEntries.nodes;
    assert.deepEqual(
      [timeLine.hours, timeLine.rate, timeLine.amount, timeLine.currency, timeLine.status, timeLine.invoice_number],
      [billingEvent.hours, billingEvent.rate.amount, billingEvent.amount.amount, billingEvent.amount.currency, billingEvent.status, billingEvent.invoiceLine?.invoice.number ?? null],
    );
    assert.deepEqual([timeLine.cost_rate, timeLine.cost_amount, timeLine.cost_currency], [costPosting.costRate.amount, costPosting.amount.amount, costPosting.amount.currency]);
  });

  it('billing events: a page of the export costs erp the same statements for 10 events as for 500 (no N+1)', async () => {
    // Invoiced time, so that every node has a cost posting, a line and an invoice to load, however many there are.
    const fields = `nodes { id costPosting { costRate { amount } amount { amount currency } } invoiceLine { id invoice { id number } } }`;
    const statements = async (first: number) => {
      await graph.hub.settle();
      const { database } = graph.hub.subgraphs.erp;
      database.statements.reset();
      const { billingEvents } = await ok(`query($n: Int!) { billingEvents(first: $n, filter: { updatedAfter: "1970-01-01T00:00:00Z", status: [BILLED], sourceType: TIME_ENTRY }) { ${fields} } }`, { n: first });
      assert.equal(billingEvents.nodes.length, first);
      return database.statements.total;
    };
    assert.equal(await statements(500), await statements(10));
  });

  it('billing events: updatedAfter gives what changed since, in change order', async () => {
    const since = new Date().toISOString();
    assert.deepEqual(await both('billing-events', billingEventColumns, { updatedAfter: since }), []);
    const { data: drafted } = await graph.query(`mutation($d: Date!) { draftInvoices(input: { periodEnd: $d }) { id lines { billingEvent { id } } } }`, {
      d: new Date().toISOString().slice(0, 10),
    });
    const draftedIds = drafted.draftInvoices.flatMap((invoice: { lines: Array<{ billingEvent: { id: string } }> }) => invoice.lines.map((line) => line.billingEvent.id));
    assert.ok(draftedIds.length > 0);
    const changed = await both('billing-events', billingEventColumns, { updatedAfter: since });
    assert.deepEqual(new Set(changed.map((line) => line.id)), new Set(draftedIds));
    assert.ok(changed.every((line) => line.status === 'BILLED' && line.invoice_id !== null && String(line.updated_at) > since));
    assert.ok(changed.every((line, i) => i === 0 || `${changed[i - 1].updated_at}|${changed[i - 1].id}` < `${line.updated_at}|${line.id}`), 'change order');
  });

  it('invoices: one row per line with the invoice’s header fields; a negotiated format; updatedAfter', async () => {
    const lines = await both('invoices', invoiceColumns, { status: 'PAID,ISSUED,PARTIALLY_PAID' });
    const { invoices } = await ok(`{ invoices(first: 500, filter: { status: [PAID, ISSUED, PARTIALLY_PAID] }) { totalCount nodes { id number total { amount currency } lines { id amount { amount } } } } }`);
    assert.ok(invoices.totalCount <= 500);
    const expectedRows = invoices.nodes.reduce((sum: number, invoice: { lines: unknown[] }) => sum + Math.max(invoice.lines.length, 1), 0);
    assert.equal(lines.length, expectedRows);
    const sample = invoices.nodes[0];
    const rows = lines.filter((line) => line.invoice_id === sample.id);
    assert.deepEqual(rows.map((row) => row.line_id), sample.lines.map((line: { id: string }) => line.id), 'its lines, in position order');
    assert.ok(rows.every((row) => row.invoice_number === sample.number && row.total === sample.total.amount && row.currency === sample.total.currency));
    assert.ok(lines.every((line) => money.test(String(line.total)) && money.test(String(line.line_amount)) && money.test(String(line.balance))));
    // Accept asks for JSON lines too; the extension wins over both.
    const accepted = await get('invoices', { status: 'PAID' }, ['FINANCE'], { accept: 'application/x-ndjson' });
    assert.match(accepted.headers.get('content-type')!, /ndjson/);
    assert.match((await get('invoices.csv', { format: 'jsonl' })).headers.get('content-type')!, /^text\/csv/);
    assert.equal((await get('invoices', { format: 'xml' })).status, 400);

    const since = new Date().toISOString();
    const { invoices: drafts } = await ok(`{ invoices(first: 1, filter: { status: [DRAFT] }) { nodes { id lines { id } } } }`);
    const draft = drafts.nodes[0];
    await ok(`mutation($id: ID!) { issueInvoice(id: $id) { id } }`, { id: draft.id }, { roles: ['ADMIN'] });
    const changed = await both('invoices', invoiceColumns, { updatedAfter: since });
    assert.deepEqual([...new Set(changed.map((row) => row.invoice_id))], [draft.id]);
    assert.equal(changed.length, Math.max(draft.lines.length, 1));
    assert.ok(changed.every((row) => row.invoice_status === 'ISSUED' && row.invoice_number !== null));
  });

  it('revenue: the schedule sliced by period reads as one question over the range; updatedAfter names the changed contracts', async () => {
    const from = '2026-01-01';
    const to = new Date().toISOString().slice(0, 10);
    for (const period of ['MONTH', 'WEEK'] as const) {
      const lines = await both('revenue', revenueColumns, { from, to, period });
      const { revenueSchedule } = await ok(
        `query($from: Date!, $to: Date!, $period: CalendarPeriod) { revenueSchedule(from: $from, to: $to, period: $period) { periodStart periodEnd contract { id } project { id } method amount { amount currency } hours } }`,
        { from, to, period },
      );
      assert.ok(revenueSchedule.length > 0);
      assert.deepEqual(
        lines.map((line) => [line.period_start, line.period_end, line.contract_id, line.project_id, line.method, line.amount, line.currency, line.hours]),
        revenueSchedule.map((row: any) => [row.periodStart, row.periodEnd, row.contract.id, row.project?.id ?? null, row.method, row.amount.amount, row.amount.currency, row.hours]),
        period,
      );
    }
    const since = new Date().toISOString();
    assert.deepEqual(await both('revenue', revenueColumns, { from, to, updatedAfter: since }), []);
    const { billingEvents } = await ok(`{ billingEvents(first: 100, filter: { status: [UNBILLED, BILLED], sourceType: TIME_ENTRY, from: "2026-01-01" }) { nodes { sourceId contract { id } invoiceLine { invoice { status } } } } }`);
    // One not on an issued invoice, whose approval may be taken back.
    const event = billingEvents.nodes.find((node: { invoiceLine: { invoice: { status: string } } | null }) => !node.invoiceLine || node.invoiceLine.invoice.status === 'DRAFT');
    await ok(`mutation($id: ID!) { cancelTimeEntryApprovals(ids: [$id], reason: "re-check") { id } }`, { id: event.sourceId }, { roles: ['ADMIN'] });
    await eventually(async () => {
      const changed = await both('revenue', revenueColumns, { from, to, updatedAfter: since });
      assert.ok(changed.length > 0, 'a change exported');
      assert.deepEqual([...new Set(changed.map((row) => row.contract_id))], [event.contract.id]);
    });
    assert.equal((await get('revenue.csv', { from: '2026-02-01', to: '2026-01-01' })).status, 400);
    assert.equal((await get('revenue.csv', { from })).status, 400, 'to is required');
  });

  it('the approved-time export carries money for the ledger’s readers only; the ledger’s exports refuse everyone else', async () => {
    const params = { status: 'APPROVED', billable: 'true', from: '2026-11-01' };
    const withMoney = await both('time-entries', [...timeEntryColumns, ...timeEntryMoneyColumns], params);
    assert.ok(withMoney.length > 0);
    const billed = withMoney.filter((row) => row.amount !== null);
    assert.ok(billed.length > 0);
    assert.ok(billed.every((row) => money.test(String(row.amount)) && currency.test(String(row.currency)) && row.rate !== null));
    assert.ok(withMoney.every((row) => row.cost_amount === null || (money.test(String(row.cost_amount)) && currency.test(String(row.cost_currency)))));
    const sample = billed[0];
    const { timeEntries } = await ok(`query($id: ID!) { timeEntries(filter: { ids: [$id] }) { nodes { worker { id } billing { billingEvent { rate { amount } amount { amount currency } } } costPosting { costRate { amount } amount { amount currency } } } } }`, { id: sample.id });
    const [node] = timeEntries.nodes;
    assert.deepEqual(
      [sample.rate, sample.amount, sample.currency, sample.cost_rate, sample.cost_amount, sample.cost_currency],
      [node.billing.billingEvent.rate.amount, node.billing.billingEvent.amount.amount, node.billing.billingEvent.amount.currency, node.costPosting.costRate.amount, node.costPosting.amount.amount, node.costPosting.amount.currency],
    );
    // A worker sees their own entries but not the ledger: the same export, without money columns.
    const workerId = node.worker.id;
    const own = await both('time-entries', timeEntryColumns, { ...params, workerId }, { roles: ['WORKER'], workerId });
    assert.deepEqual(own.map((row) => row.id), withMoney.filter((row) => row.worker_id === workerId).map((row) => row.id));
    for (const [name, roles] of [['billing-events', ['MANAGER']], ['invoices', ['RESOURCE_MANAGER']], ['revenue', ['WORKER']]] as const) {
      const refused = await get(`${name}.csv`, { from: '2026-01-01', to: '2026-01-31' }, [...roles]);
      assert.equal(refused.status, 403, name);
      assert.equal((await refused.json()).error.code, 'FORBIDDEN');
    }
    const anonymous = await fetch(graph.url.replace('/graphql', '/exports/invoices.csv'));
    assert.equal(anonymous.status, 401);
  });
});

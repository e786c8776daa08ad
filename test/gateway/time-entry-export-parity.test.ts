import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../lib/auth/identity.ts';
import { EXPORT_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import { toCsv } from '../../lib/http/csv.ts';
import { TIME_ENTRY_EXPORT_PATH, TIME_ENTRY_MONEY_PATH } from '../../lib/http/export-endpoint.ts';
import { timeEntryColumns, timeEntryMoneyColumns } from '../../gateway/time-entry-export.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { timeEntryRowsFromGraph } from '../support/graph-time-entry-export.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

type Caller = { roles: Role[]; workerId?: string | null };

/**
 * The time-entry export (subgraph pages, entities looked up once per export, erp's money per page) gives exactly the
 * rows the graph gives, in the same order: the export as it was built before (the graph's `timeEntries` with its
 * federated fields, test/support/graph-time-entry-export.ts) is the reference, on the same data, for callers who
 * read the ledger and callers who do not.
 */
describe('time-entry export equals the graph, row for row', () => {
  let graph: HubHarness;
  const exported = async (format: 'csv' | 'jsonl', params: Record<string, string>, as: Caller) => {
    const url = `${graph.url.replace('/graphql', `/exports/time-entries.${format}`)}?${new URLSearchParams(params)}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${await graph.token(as.roles, as.workerId ?? null)}` } });
    assert.equal(response.status, 200, await response.clone().text());
    return response.text();
  };
  const lines = (text: string) => (text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line)));
  /** Entries whose billing has a history (the seed's have none): erp picks the event to show among several. */
  const history = { reapproved: '', rejected: '', corrected: '' };

  /** Reversals and re-postings through the graph, as a manager and a worker make them, each awaited in erp. */
  async function makeBillingHistory() {
    const today = new Date().toISOString().slice(0, 10);
    const work = billableWork(planDemoFirm({ scale: 2, today }), today);
    const mutate = async (query: string, variables: Record<string, unknown>, as: typeof work.asManager) => {
      const result = await graph.query(query, variables, as);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      return result.data;
    };
    const billingStatus = async (id: string) =>
      (await mutate(`query($id: ID!) { timeEntry(id: $id) { billing { status } } }`, { id }, { roles: ['FINANCE'], workerId: null })).timeEntry.billing.status;
    const posted = async (hours: string) => {
      const entry = await approvedEntry(graph, work, hours);
      await eventually(async () => assert.equal(await billingStatus(entry.id), 'UNBILLED'));
      return entry;
    };
    // Rejected after approval, then edited (other hours, so another amount), submitted and approved again.
    const reapproved = await posted('0.25');
    const [{ version }] = (
      await mutate(`mutation($ids: [ID!]!) { rejectTimeEntries(ids: $ids, reason: "too little") { version } }`, { ids: [reapproved.id] }, work.asManager)
    ).rejectTimeEntries;
    await eventually(async () => assert.equal(await billingStatus(reapproved.id), 'REVERSED'));
    await mutate(`mutation($id: ID!, $v: Int!) { updateTimeEntry(id: $id, expectedVersion: $v, input: { hours: "0.40" }) { id } }`, { id: reapproved.id, v: version }, work.asWorker);
    await mutate(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [reapproved.id] }, work.asWorker);
    await mutate(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: [reapproved.id] }, work.asManager);
    await eventually(async () => assert.equal(await billingStatus(reapproved.id), 'UNBILLED'));
    const rejected = await posted('0.50');
    await mutate(`mutation($ids: [ID!]!) { rejectTimeEntries(ids: $ids, reason: "not this week") { id } }`, { ids: [rejected.id] }, work.asManager);
    await eventually(async () => assert.equal(await billingStatus(rejected.id), 'REVERSED'));
    const corrected = await posted('0.75');
    await mutate(
      `mutation($id: ID!, $v: Int!) { correctTimeEntry(id: $id, expectedVersion: $v, input: { hours: "1.00" }, reason: "a call was not logged") { id } }`,
      { id: corrected.id, v: corrected.version },
      work.asWorker,
    );
    await eventually(async () => assert.equal(await billingStatus(corrected.id), 'REVERSED'));
    Object.assign(history, { reapproved: reapproved.id, rejected: rejected.id, corrected: corrected.id });
  }

  before(async () => {
    // Scale 2: more entries than one export page (EXPORT_PAGE_SIZE), so the pages' cursors are compared too.
    graph = await startTestHub({ seed: { scale: 2 } });
    await makeBillingHistory();
    // Text that CSV must quote, on one entry, so the comparison covers escaping.
    const { data } = await graph.query(`{ timeEntries(first: 1, filter: { status: [APPROVED] }) { nodes { id } } }`);
    await (graph.hub.subgraphs.time.database.db as any)
      .updateTable('time_entry')
      .set({ notes: 'Workshop, "phase 2"\nfollow-up' })
      .where('id', '=', data.timeEntries.nodes[0].id)
      .execute();
  });
  after(() => graph.close());

  it('FINANCE: every entry with its money, JSON lines and CSV, across several export pages', async () => {
    const finance: Caller = { roles: ['FINANCE'] };
    const expected = await timeEntryRowsFromGraph(graph, {}, finance, true);
    assert.ok(expected.length > EXPORT_PAGE_SIZE, `${expected.length} entries: more than one export page`);
    assert.ok(expected.some((row) => row.amount !== null) && expected.some((row) => row.cost_amount !== null), 'some rows carry money');
    assert.ok(expected.some((row) => row.status !== 'APPROVED'), 'rows in every status');
    const row = (id: string) => expected.find((candidate) => candidate.id === id)!;
    // A re-approved entry shows its live event and posting, not the reversed ones; a reversed entry its last event.
    assert.ok(row(history.reapproved).amount !== null && row(history.reapproved).cost_amount !== null);
    for (const id of [history.rejected, history.corrected]) assert.ok(row(id).amount !== null && row(id).cost_amount === null, id);
    const jsonl = lines(await exported('jsonl', {}, finance));
    assert.deepEqual(jsonl, expected);

    const columns = [...timeEntryColumns, ...timeEntryMoneyColumns];
    const csv = toCsv([columns, ...expected.map((row) => columns.map((column) => (row[column] == null ? '' : String(row[column]))))]);
    assert.equal(await exported('csv', {}, finance), csv);
  });

  it('a MANAGER with filters: their reports’ rows, without money, as the graph gives them', async () => {
    const { data } = await graph.query(`{ workers(first: 200) { nodes { id manager { id } } } }`);
    const managerId = data.workers.nodes.find((worker: any) => worker.manager)?.manager.id;
    assert.ok(managerId, 'the seeded firm has a manager');
    const manager: Caller = { roles: ['MANAGER'], workerId: managerId };
    const filter = { status: ['APPROVED', 'SUBMITTED'], from: '2026-01-01', billable: true };
    const expected = await timeEntryRowsFromGraph(graph, filter, manager, false);
    assert.ok(expected.length > 0);
    assert.ok(new Set(expected.map((row) => row.worker_id)).size > 1, 'the manager sees more than their own rows');
    const jsonl = lines(await exported('jsonl', { status: 'APPROVED,SUBMITTED', from: '2026-01-01', billable: 'true' }, manager));
    assert.deepEqual(Object.keys(jsonl[0]), [...timeEntryColumns]);
    assert.deepEqual(jsonl, expected);
  });

  it('an incremental load (updatedAfter): every entry in change order across export pages, as the graph pages them', async () => {
    // The change order's cursor is an instant (updated_at, id), not a date: the database writes the page, the cursor
    // must still be the graph's.
    const resourceManager: Caller = { roles: ['RESOURCE_MANAGER'] };
    const updatedAfter = '2000-01-01T00:00:00.000Z';
    const expected = await timeEntryRowsFromGraph(graph, { updatedAfter }, resourceManager, false);
    assert.ok(expected.length > EXPORT_PAGE_SIZE, `${expected.length} entries: more than one export page`);
    const jsonl = lines(await exported('jsonl', { updatedAfter }, resourceManager));
    assert.deepEqual(jsonl, expected);
  });

  it('a WORKER: only their own rows, the same as the graph gives them; another worker’s are refused', async () => {
    const { data } = await graph.query(`{ timeEntries(first: 1) { nodes { worker { id } } } }`);
    const workerId = data.timeEntries.nodes[0].worker.id;
    const worker: Caller = { roles: ['WORKER'], workerId };
    const expected = await timeEntryRowsFromGraph(graph, {}, worker, false);
    const jsonl = lines(await exported('jsonl', {}, worker));
    assert.ok(jsonl.length > 0 && jsonl.every((row) => row.worker_id === workerId));
    assert.deepEqual(jsonl, expected);

    const others = (await graph.query(`{ workers(first: 50) { nodes { id } } }`)).data.workers.nodes.filter((w: any) => w.id !== workerId);
    const url = `${graph.url.replace('/graphql', '/exports/time-entries.jsonl')}?workerId=${others[0].id}`;
    const refused = await fetch(url, { headers: { authorization: `Bearer ${await graph.token(['WORKER'], workerId)}` } });
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).error.code, 'FORBIDDEN');
  });

  it('the subgraphs’ export endpoints answer only what the gateway signed', async () => {
    for (const [subgraph, path, body] of [
      ['time', TIME_ENTRY_EXPORT_PATH, { filter: {} }],
      ['erp', TIME_ENTRY_MONEY_PATH, { entries: [] }],
    ] as const) {
      const response = await fetch(new URL(path, graph.hub.subgraphs[subgraph].url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await graph.token(['ADMIN'])}` },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 401, subgraph);
      assert.equal((await response.json()).error.code, 'UNAUTHENTICATED');
    }
  });
});

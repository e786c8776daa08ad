import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { timeEntryColumns, timeEntryMoneyColumns } from '../../gateway/time-entry-export.ts';
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

/** The BI export of time entries (gateway/time-entry-export.ts) over HTTP, against the graph's own answers. */
describe('time-entry export through the gateway', () => {
  let graph: HubHarness;
  const exportUrl = (format: 'csv' | 'jsonl', params: Record<string, string> = {}) =>
    `${graph.url.replace('/graphql', `/exports/time-entries.${format}`)}?${new URLSearchParams(params)}`;
  const get = async (format: 'csv' | 'jsonl', params: Record<string, string>, as: { roles: any[]; workerId?: string | null } | null = { roles: ['ADMIN'] }) =>
    fetch(exportUrl(format, params), { headers: as ? { authorization: `Bearer ${await graph.token(as.roles, as.workerId ?? null)}` } : {} });
  const totalOf = async (filter: Record<string, unknown>, as: { roles: any[]; workerId?: string | null } = { roles: ['ADMIN'] }) => {
    const response = await graph.query(`query($f: TimeEntryFilter) { timeEntries(filter: $f) { totalCount } }`, { f: filter }, as);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data.timeEntries.totalCount as number;
  };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('streams every entry of the filter as CSV, with worker, project and customer fields, escaped', async () => {
    const { data } = await graph.query(`{ timeEntries(first: 1, filter: { status: [APPROVED] }) { nodes { id project { id code name customer { name } } worker { id name } } } }`);
    const sample = data.timeEntries.nodes[0];
    const notes = 'Workshop, "phase 2"\nfollow-up';
    await (graph.hub.subgraphs.time.database.db as any).updateTable('time_entry').set({ notes }).where('id', '=', sample.id).execute();

    const response = await get('csv', { projectId: sample.project.id });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/csv/);
    const records = parseCsv(await response.text());
    // ADMIN reads the ledger: the money columns follow (erp-exports.test.ts checks them).
    assert.deepEqual(records[0], [...timeEntryColumns, ...timeEntryMoneyColumns]);
    const rows = records.slice(1).map((r) => Object.fromEntries(timeEntryColumns.map((c, i) => [c, r[i]])));
    assert.equal(rows.length, await totalOf({ projectId: sample.project.id }));
    assert.ok(rows.length > 0);
    assert.ok(rows.every((row) => row.project_id === sample.project.id && row.customer_name === sample.project.customer.name));
    const mine = rows.find((row) => row.id === sample.id)!;
    assert.equal(mine.notes, notes);
    assert.equal(mine.worker_name, sample.worker.name);
    assert.equal(mine.project_code, sample.project.code);
    assert.equal(mine.status, 'APPROVED');
    assert.ok(mine.approved_at);
  });

  it('pages through more than one page and applies status and approval-time filters', async () => {
    const approvedBefore = new Date().toISOString();
    const filter = { status: ['APPROVED'], approvedBefore };
    const expected = await totalOf(filter);
    assert.ok(expected > 500, `the seeded firm has ${expected} approved entries: more than one page`);
    const response = await get('jsonl', { status: 'APPROVED', approvedBefore });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /ndjson/);
    const lines = (await response.text()).trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.equal(lines.length, expected);
    assert.equal(new Set(lines.map((l) => l.id)).size, expected);
    assert.ok(lines.every((l) => l.status === 'APPROVED' && typeof l.billable === 'boolean' && /^\d+\.\d{2}$/.test(l.hours)));
    // Nothing was approved after now; everything approved so far is before it.
    assert.equal(await totalOf({ approvedAfter: approvedBefore }), 0);
    assert.equal((await (await get('jsonl', { approvedAfter: approvedBefore })).text()), '');
  });

  it('exports what the caller may see: a worker their own rows, never someone else’s', async () => {
    const { data } = await graph.query(`{ timeEntries(first: 2, filter: { status: [APPROVED] }) { nodes { worker { id } } } }`);
    const workerId = data.timeEntries.nodes[0].worker.id;
    const other = (await graph.query(`{ workers(first: 50) { nodes { id } } }`)).data.workers.nodes.find((w: any) => w.id !== workerId).id;
    const asWorker = { roles: ['WORKER'], workerId };
    const own = await get('jsonl', {}, asWorker);
    assert.equal(own.status, 200);
    const lines = (await own.text()).trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.equal(lines.length, await totalOf({}, asWorker));
    assert.ok(lines.every((l) => l.worker_id === workerId));

    const refused = await get('csv', { workerId: other }, asWorker);
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).error.code, 'FORBIDDEN');
    const anonymous = await get('csv', {}, null);
    assert.equal(anonymous.status, 401);
    const bad = await get('csv', { status: 'LOST' });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'BAD_USER_INPUT');
    assert.equal((await get('csv', { approvedAfter: 'yesterday' })).status, 400);
  });
});

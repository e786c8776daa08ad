import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { billableWork } from '../support/demo-work.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * Incremental sync of time entries and expenses through the gateway (issue 17, README "Get told of changes"): a
 * mirror pages `timeEntries(filter: { updatedAfter })` in change order while entries are logged, changed, submitted,
 * approved and deleted at the same time, then catches up as the README says (again from a minute before the newest
 * `updatedAt` it holds, and tombstones from `deletedTimeRecords`): it ends holding exactly what time holds.
 */
describe('incremental sync of time through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const work = billableWork(firm, today);
  const { assignment, task, asWorker, asManager } = work;
  const finance = { roles: ['FINANCE' as const] };
  const overlapMs = 60_000;

  const ok = async (query: string, variables: Record<string, unknown>, as: Parameters<HubHarness['query']>[2] = finance) => dataOf(await graph.query(query, variables, as));

  interface Seen {
    id: string;
    version: number;
    status: string;
    updatedAt: string;
  }

  /**
   * One pass of a mirror: every page of the list changed after `since`, in change order. Returns the rows as read;
   * the pass itself proves the order and that no (id, version) is read twice.
   */
  async function pass(list: 'timeEntries' | 'expenses', since: string, pageSize: number, betweenPages?: () => Promise<void>): Promise<Seen[]> {
    const seen: Seen[] = [];
    let after: string | null = null;
    for (;;) {
      const data = await ok(
        `query($since: DateTime!, $after: String, $first: Int) { ${list}(filter: { updatedAfter: $since }, first: $first, after: $after) {
          nodes { id version status updatedAt } pageInfo { hasNextPage endCursor } } }`,
        { since, after, first: pageSize },
      );
      const page = data[list];
      seen.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      await betweenPages?.();
    }
    const keys = seen.map((row) => `${row.updatedAt}|${row.id}`);
    for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1] < keys[i], `change order: ${keys[i - 1]} before ${keys[i]}`);
    const versions = seen.map((row) => `${row.id}@${row.version}`);
    assert.equal(new Set(versions).size, versions.length, 'no (id, version) is read twice in one pass');
    for (const row of seen) assert.ok(row.updatedAt > since, `${row.id} changed after ${since}`);
    return seen;
  }

  async function tombstones(typename: string, since: string): Promise<Array<{ id: string; deletedAt: string }>> {
    const found: Array<{ id: string; deletedAt: string }> = [];
    let after: string | null = null;
    for (;;) {
      const data = await ok(
        `query($t: String!, $since: DateTime!, $after: String) { deletedTimeRecords(typename: $t, deletedAfter: $since, first: 100, after: $after) {
          nodes { typename id deletedAt } pageInfo { hasNextPage endCursor } } }`,
        { t: typename, since, after },
      );
      const page = data.deletedTimeRecords;
      for (const node of page.nodes) {
        assert.equal(node.typename, typename);
        found.push({ id: node.id, deletedAt: node.deletedAt });
      }
      if (!page.pageInfo.hasNextPage) return found;
      after = page.pageInfo.endCursor;
    }
  }

  /** Everything time holds now, by id: the truth the mirror must end with (read in the default order). */
  async function truth(list: 'timeEntries' | 'expenses'): Promise<Map<string, number>> {
    const rows = new Map<string, number>();
    let after: string | null = null;
    for (;;) {
      const data = await ok(`query($after: String) { ${list}(first: 500, after: $after) { nodes { id version } pageInfo { hasNextPage endCursor } } }`, { after });
      for (const node of data[list].nodes) rows.set(node.id, node.version);
      if (!data[list].pageInfo.hasNextPage) return rows;
      after = data[list].pageInfo.endCursor;
    }
  }

  /** A mirror that upserts by id (newer versions win) and removes what tombstones name. */
  function mirror() {
    const rows = new Map<string, Seen>();
    let newestUpdate = new Date(0).toISOString();
    let newestDeletion = new Date(0).toISOString();
    return {
      rows,
      apply(seen: Seen[]) {
        for (const row of seen) {
          const held = rows.get(row.id);
          if (!held || held.version <= row.version) rows.set(row.id, row);
          if (row.updatedAt > newestUpdate) newestUpdate = row.updatedAt;
        }
      },
      remove(deleted: Array<{ id: string; deletedAt: string }>) {
        for (const { id, deletedAt } of deleted) {
          rows.delete(id);
          if (deletedAt > newestDeletion) newestDeletion = deletedAt;
        }
      },
      /** Where the next pass starts: a minute before the newest change held (a late commit lands in that window). */
      nextUpdate: () => new Date(new Date(newestUpdate).getTime() - overlapMs).toISOString(),
      nextDeletion: () => new Date(new Date(newestDeletion).getTime() - overlapMs).toISOString(),
    };
  }

  const logEntries = async (count: number, hours = '0.05') =>
    (
      await ok(
        `mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id version } error { code message } } }`,
        { inputs: Array.from({ length: count }, () => ({ projectId: assignment.projectId, taskId: task.id, date: today, hours })) },
        asWorker,
      )
    ).logTimeEntries.map((r: any) => {
      assert.equal(r.error, null, JSON.stringify(r.error));
      return r.entry as { id: string; version: number };
    });

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('every transition moves updatedAt, and the list pulled after a moment holds exactly what changed since', async () => {
    const stamp = async (id: string) => (await ok(`query($id: ID!) { timeEntry(id: $id) { updatedAt version status } }`, { id })).timeEntry;
    const [entry] = await logEntries(1);
    const stamps = [await stamp(entry.id)];
    const step = async (query: string, variables: Record<string, unknown>, as: Parameters<HubHarness['query']>[2]) => {
      await ok(query, variables, as);
      const now = await stamp(entry.id);
      assert.ok(now.updatedAt > stamps.at(-1)!.updatedAt, `${query.slice(0, 40)} moved updatedAt`);
      stamps.push(now);
    };
    await step(`mutation($id: ID!, $v: Int!) { updateTimeEntry(id: $id, expectedVersion: $v, input: { hours: "0.10" }) { id } }`, { id: entry.id, v: entry.version }, asWorker);
    await step(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [entry.id] }, asWorker);
    await step(`mutation($ids: [ID!]!) { rejectTimeEntries(ids: $ids, reason: "wrong task") { id } }`, { ids: [entry.id] }, asManager);
    await step(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [entry.id] }, asWorker);
    await step(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: [entry.id] }, asManager);
    await step(`mutation($ids: [ID!]!) { cancelTimeEntryApprovals(ids: $ids, reason: "wrong week") { id } }`, { ids: [entry.id] }, asManager);
    await step(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: [entry.id] }, asManager);
    const approved = stamps.at(-1)!;
    await step(
      `mutation($id: ID!, $v: Int!) { correctTimeEntry(id: $id, expectedVersion: $v, input: { hours: "0.20" }, reason: "more") { id } }`,
      { id: entry.id, v: approved.version },
      asWorker,
    );
    const since = stamps[0].updatedAt;
    const changed = await pass('timeEntries', since, 500);
    const mine = changed.find((row) => row.id === entry.id)!;
    assert.equal(mine.updatedAt, stamps.at(-1)!.updatedAt, 'the reversed original, at its last change');
    assert.ok(changed.every((row) => row.updatedAt > since));
  });

  it('a mirror paging while entries are logged, changed, approved and deleted misses nothing and repeats nothing, deletions by tombstone', async () => {
    const local = mirror();
    const deletedIds = new Set<string>();
    let writes = 0;
    /** One round of concurrent work: new drafts, one changed, one submitted and approved, one deleted. */
    const writeRound = async () => {
      const [a, b, c, d] = await logEntries(4);
      await ok(`mutation($id: ID!, $v: Int!) { updateTimeEntry(id: $id, expectedVersion: $v, input: { hours: "0.07" }) { id } }`, { id: a.id, v: a.version }, asWorker);
      await ok(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [b.id] }, asWorker);
      await ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: [b.id] }, asManager);
      await ok(`mutation($id: ID!, $v: Int!) { deleteTimeEntry(id: $id, expectedVersion: $v) }`, { id: c.id, v: c.version }, asWorker);
      deletedIds.add(c.id);
      void d;
      writes += 1;
    };

    // The first pass pages the whole history (the seeded firm) in small pages while a writer works concurrently.
    let writing = true;
    const writer = (async () => {
      for (let round = 0; round < 8; round++) await writeRound();
      writing = false;
    })();
    const epoch = new Date(0).toISOString();
    let pages = 0;
    local.apply(await pass('timeEntries', epoch, 200, async () => void pages++));
    local.remove(await tombstones('TimeEntry', epoch));
    // Later passes while the writer still works, and one after it stopped (interleaved writes between pages too).
    while (writing) {
      local.apply(await pass('timeEntries', local.nextUpdate(), 50, () => writeRound()));
      local.remove(await tombstones('TimeEntry', local.nextDeletion()));
    }
    await writer;
    local.apply(await pass('timeEntries', local.nextUpdate(), 50));
    local.remove(await tombstones('TimeEntry', local.nextDeletion()));

    assert.ok(pages > 1 && writes >= 8, `paged ${pages} times while ${writes} rounds of writes ran`);
    const expected = await truth('timeEntries');
    const held = new Map([...local.rows].map(([id, row]) => [id, row.version]));
    const missing = [...expected].filter(([id, version]) => held.get(id) !== version);
    const extra = [...held.keys()].filter((id) => !expected.has(id));
    assert.deepEqual(missing, [], 'nothing missed: every entry at its current version');
    assert.deepEqual(extra, [], 'nothing kept that was deleted');
    for (const id of deletedIds) assert.ok(!held.has(id) && !expected.has(id));
  });

  it('expenses pull by change too, and their deletions leave tombstones', async () => {
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const log = async () =>
      (
        await ok(
          `mutation($input: LogExpenseInput!) { logExpense(input: $input) { id version } }`,
          { input: { projectId: assignment.projectId, date: today, amount: { amount: '12.50', currency: 'EUR' }, category: 'MEALS', billable: false } },
          asWorker,
        )
      ).logExpense;
    const kept = await log();
    const gone = await log();
    await ok(`mutation($id: ID!, $v: Int!) { deleteExpense(id: $id, expectedVersion: $v) }`, { id: gone.id, v: gone.version }, asWorker);
    const changed = await pass('expenses', before, 1);
    assert.deepEqual(changed.map((row) => row.id), [kept.id]);
    assert.deepEqual((await tombstones('ExpenseEntry', before)).map((row) => row.id), [gone.id]);
    assert.deepEqual(await tombstones('TimeEntry', new Date().toISOString()), [], 'nothing deleted after now');
  });

  it('tombstones are for those who see everyone, of the typenames time deletes', async () => {
    const query = `query($t: String!) { deletedTimeRecords(typename: $t, deletedAfter: "2020-01-01T00:00:00Z") { nodes { id } } }`;
    const denied = await graph.query(query, { t: 'TimeEntry' }, asWorker);
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN', JSON.stringify(denied.errors));
    const unknown = await graph.query(query, { t: 'Invoice' }, finance);
    assert.equal(unknown.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(unknown.errors));
  });
});

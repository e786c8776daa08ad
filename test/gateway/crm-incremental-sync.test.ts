import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

interface Version {
  id: string;
  name: string;
  updatedAt: string;
}

/**
 * Issue 17 part 3 in crm: a mirror pulls customers by `filter: { updatedAfter }`, in the order of change, page after
 * page while customers are created and changed, and ends up with every customer as it stands, having read no version
 * of one twice.
 */
describe('crm incremental sync of customers', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub();
  });
  after(() => graph.close());

  const page = `query($since: DateTime!, $after: String) {
    customers(filter: { updatedAfter: $since }, first: 4, after: $after) { nodes { id name updatedAt } pageInfo { hasNextPage endCursor } }
  }`;
  const upsert = `mutation($inputs: [CustomerUpsertInput!]!) { upsertCustomers(inputs: $inputs) { outcome customer { id } } }`;
  const ok = (result: { data?: any; errors?: unknown }): any => {
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  const customer = (n: number, name = `Mirror ${n}`) => ({ externalRef: { system: 'mirror', id: String(n) }, name, code: `MIR-${n}`, currency: 'EUR' });

  /** One pass from `since` to the end of the list, running `between` after each page (the writes a mirror races). */
  async function pull(since: string, between: (pageNumber: number) => Promise<void> = async () => {}) {
    const seen: Version[] = [];
    let after: string | null = null;
    for (let pageNumber = 0; ; pageNumber += 1) {
      const { customers } = ok(await graph.query(page, { since, after }));
      seen.push(...customers.nodes);
      if (!customers.pageInfo.hasNextPage) return seen;
      after = customers.pageInfo.endCursor;
      // A write in the millisecond of the page just read would carry its updatedAt: clients re-ask with a margin
      // (README); this test keeps its writes after the page.
      await sleep(2);
      await between(pageNumber);
    }
  }

  it('misses and repeats nothing while customers are created and changed during the pull', async () => {
    ok(await graph.query(upsert, { inputs: Array.from({ length: 20 }, (_, i) => customer(i)) }));
    let created = 20;
    const seen = await pull('2000-01-01T00:00:00.000Z', async (pageNumber) => {
      // One already read, one not yet read (renamed twice, concurrently with a new customer), and a new one.
      const renames = [customer(pageNumber, `Mirror ${pageNumber} v${pageNumber}`), customer(19 - pageNumber, `Mirror ${19 - pageNumber} late`)];
      await Promise.all([
        graph.query(upsert, { inputs: renames }),
        graph.query(upsert, { inputs: [customer(created++)] }),
        graph.query(page, { since: '2000-01-01T00:00:00.000Z', after: null }),
      ]);
    });

    const versions = seen.map((version) => `${version.id}@${version.updatedAt}`);
    assert.equal(new Set(versions).size, versions.length, 'no version is read twice');
    const order = seen.map((version) => [version.updatedAt, version.id].join(' '));
    assert.deepEqual(order, [...order].sort(), 'in the order of change, then id');
    const latest = new Map(seen.map((version) => [version.id, version]));
    const { customers } = ok(await graph.query(`{ customers(first: 500, filter: { externalSystem: "mirror" }) { nodes { id name updatedAt } } }`));
    assert.equal(customers.nodes.length, created);
    for (const current of customers.nodes as Version[]) assert.deepEqual(latest.get(current.id), current, `${current.name} as it stands`);

    // The next poll from the newest updatedAt held finds only what changed since.
    const newest = seen.at(-1)!.updatedAt;
    assert.deepEqual(await pull(newest), []);
    await sleep(2);
    const changed = ok(await graph.query(upsert, { inputs: [customer(3, 'Mirror 3 renamed')] })).upsertCustomers[0];
    const four = ok(await graph.query(`{ customer(externalRef: { system: "mirror", id: "4" }) { name } }`)).customer;
    const unchanged = ok(await graph.query(upsert, { inputs: [customer(4, four.name)] }));
    assert.equal(unchanged.upsertCustomers[0].outcome, 'UNCHANGED');
    assert.deepEqual((await pull(newest)).map((version) => version.id), [changed.customer.id]);
  });

  it('moves updatedAt on every customer write path: update, references, upsert', async () => {
    const { createCustomer } = ok(await graph.query(`mutation { createCustomer(input: { name: "Tracked", code: "MIR-T", currency: "EUR" }) { id updatedAt } }`));
    const since = createCustomer.updatedAt;
    const steps = [
      `mutation($id: ID!) { updateCustomer(id: $id, input: { taxId: "DE123" }) { updatedAt } }`,
      `mutation($id: ID!) { updateCustomer(id: $id, input: { externalRefs: [{ system: "mirror", id: "tracked" }] }) { updatedAt } }`,
    ];
    let last = since;
    for (const step of steps) {
      await sleep(2);
      const { updateCustomer } = ok(await graph.query(step, { id: createCustomer.id }));
      assert.ok(updateCustomer.updatedAt > last, step);
      last = updateCustomer.updatedAt;
    }
    await sleep(2);
    const same = ok(await graph.query(`mutation($id: ID!) { updateCustomer(id: $id, input: { taxId: "DE123" }) { updatedAt } }`, { id: createCustomer.id }));
    assert.equal(same.updateCustomer.updatedAt, last, 'an update that changes nothing is no change to pull');
    await sleep(2);
    const upserted = ok(await graph.query(`mutation { upsertCustomers(inputs: [{ externalRef: { system: "mirror", id: "tracked" }, status: INACTIVE }]) { outcome customer { updatedAt } } }`));
    assert.equal(upserted.upsertCustomers[0].outcome, 'UPDATED');
    assert.ok(upserted.upsertCustomers[0].customer.updatedAt > last);
    const pulled = await pull(since);
    assert.ok(pulled.some((version) => version.id === createCustomer.id));
  });
});

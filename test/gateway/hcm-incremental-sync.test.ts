import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * Issue 17 part 3 for hcm: a system mirroring workers pulls `workers(filter: { updatedAfter })` page by page, in the
 * order of last change then id, while hcm keeps changing; it misses nothing and reads no version twice. Every write a
 * mirror must see moves `updatedAt`; a write that changes nothing does not.
 */
describe('hcm incremental sync of workers through the gateway', () => {
  let graph: HubHarness;
  let org: { legalEntityId: string; costCenterId: string; roleId: string; calendarId: string };
  let counter = 0;

  before(async () => {
    graph = await startTestHub();
    const data = await ok(`mutation {
      createLegalEntity(input: { code: "SYNC", name: "Sync GmbH", country: "DE", currency: "EUR" }) { id }
      createRole(input: { code: "SYNC", name: "Consultant", targetUtilization: "75" }) { id }
      createWorkCalendar(input: { name: "Full time", hoursPerDay: "8", workingDays: [1, 2, 3, 4, 5] }) { id }
    }`);
    const center = await ok(`mutation($le: ID!) { createCostCenter(input: { code: "SYNC", name: "Delivery", legalEntityId: $le }) { id } }`, { le: data.createLegalEntity.id });
    org = { legalEntityId: data.createLegalEntity.id, roleId: data.createRole.id, calendarId: data.createWorkCalendar.id, costCenterId: center.createCostCenter.id };
  });
  after(() => graph.close());

  async function ok(query: string, variables: Record<string, unknown> = {}) {
    return dataOf(await graph.query(query, variables));
  }

  const newWorker = (managerId: string | null = null) => {
    counter += 1;
    return {
      externalRef: { system: 'workday', id: `S-${counter}` },
      employeeNumber: `S-${counter}`,
      name: `Sync Worker ${counter}`,
      email: `sync.${counter}@example.com`,
      kind: 'EMPLOYEE',
      location: 'Berlin',
      hireDate: '2024-01-01',
      managerId,
      ...org,
    };
  };

  /** Workers created in one upsert: one transaction, so they share their `updatedAt` and only the id orders them. */
  async function createWorkers(n: number, managerId: string | null = null): Promise<string[]> {
    const results = (await ok(`mutation($inputs: [WorkerUpsertInput!]!) { upsertWorkers(inputs: $inputs) { outcome worker { id } } }`, {
      inputs: Array.from({ length: n }, () => newWorker(managerId)),
    })).upsertWorkers;
    assert.ok(results.every((r: { outcome: string }) => r.outcome === 'CREATED'));
    return results.map((r: { worker: { id: string } }) => r.worker.id);
  }

  const rename = (id: string, name: string) => ok(`mutation($id: ID!, $name: String!) { updateWorker(id: $id, input: { name: $name }) { id } }`, { id, name });

  const pull = `query($since: DateTime!, $after: String, $first: Int!) {
    workers(first: $first, after: $after, filter: { updatedAfter: $since }) { pageInfo { hasNextPage endCursor } nodes { id name updatedAt } }
  }`;

  interface Version { id: string; name: string; updatedAt: string }

  /** Pages through every change after `since`, calling `between` after each page (writes while the client pages). */
  async function pullAll(since: string, between: (page: number, seen: Version[]) => Promise<void> = async () => {}) {
    const seen: Version[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page += 1) {
      const { workers } = await ok(pull, { since, after: cursor, first: 4 });
      seen.push(...workers.nodes);
      if (!workers.pageInfo.hasNextPage) return seen;
      cursor = workers.pageInfo.endCursor;
      await between(page, seen);
    }
    throw new Error('the pull never ended');
  }

  const currentWorkers = async (): Promise<Version[]> => (await ok(`{ workers(first: 500) { nodes { id name updatedAt } } }`)).workers.nodes;

  it('pages every change after updatedAfter while writes happen: nothing missed, no version read twice', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const first = await createWorkers(10);
    const seen = await pullAll(since, async (page, read) => {
      const readIds = new Set(read.map((v) => v.id));
      if (page === 0) {
        // One the client has read, one it has not yet, and two new ones.
        await rename(read[0].id, 'Renamed after it was read');
        await rename(first.find((id) => !readIds.has(id))!, 'Renamed before it was read');
        await createWorkers(2);
      }
      if (page === 1) {
        await ok(`mutation($id: ID!) { setWorkerSkills(workerId: $id, skills: [{ skill: "SQL", level: 3 }]) { id } }`, { id: read[1].id });
        await ok(`mutation($id: ID!) { addWorkerCostRate(workerId: $id, input: { amount: "70.00", currency: "EUR", effectiveFrom: "2026-01-01" }) { id } }`, { id: read[2].id });
      }
    });

    const order = seen.map((v) => [v.updatedAt, v.id].join(' '));
    assert.deepEqual(order, [...order].sort(), 'in change order, then id');
    assert.equal(new Set(order).size, order.length, 'no version twice');
    const mirror = new Map(seen.map((v) => [v.id, v]));
    const current = await currentWorkers();
    assert.equal(current.length, 12);
    for (const worker of current) assert.deepEqual(mirror.get(worker.id), worker, `the mirror holds the latest ${worker.name}`);
    assert.ok(seen.length >= 12 + 3, `the workers changed after they were read came again (${seen.length})`);

    // The next poll, from the newest change the client holds: nothing, then exactly what changed since.
    const newest = seen.at(-1)!.updatedAt;
    assert.deepEqual(await pullAll(newest), []);
    await rename(first[5], 'Changed later');
    const later = await pullAll(newest);
    assert.deepEqual(later.map((v) => [v.id, v.name]), [[first[5], 'Changed later']]);
  });

  it('moves updatedAt on every change a mirror keeps, and not on a write that changes nothing', async () => {
    const [id] = await createWorkers(1);
    const updatedAt = async () => (await ok(`query($id: ID!) { worker(id: $id) { updatedAt } }`, { id })).worker.updatedAt as string;
    const moves = async (what: string, write: () => Promise<unknown>, expected: boolean) => {
      const before = await updatedAt();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await write();
      const after = await updatedAt();
      assert.equal(after > before, expected, `${what}: ${before} → ${after}`);
    };
    const upsert = (fields: Record<string, unknown>) =>
      ok(`mutation($inputs: [WorkerUpsertInput!]!) { upsertWorkers(inputs: $inputs) { outcome error { code } } }`, {
        inputs: [{ externalRef: { system: 'workday', id: `S-${counter}` }, ...fields }],
      });

    await moves('updateWorker', () => rename(id, 'Moved'), true);
    await moves('updateWorker with the same values', () => rename(id, 'Moved'), false);
    await moves('a termination', () => ok(`mutation($id: ID!) { updateWorker(id: $id, input: { terminationDate: "2030-12-31" }) { id } }`, { id }), true);
    await moves('setWorkerSkills', () => ok(`mutation($id: ID!) { setWorkerSkills(workerId: $id, skills: [{ skill: "Go", level: 2 }]) { id } }`, { id }), true);
    await moves('setWorkerSkills with the same skills', () => ok(`mutation($id: ID!) { setWorkerSkills(workerId: $id, skills: [{ skill: "Go", level: 2 }]) { id } }`, { id }), false);
    await moves('addWorkerCostRate', () => ok(`mutation($id: ID!) { addWorkerCostRate(workerId: $id, input: { amount: "80.00", currency: "EUR", effectiveFrom: "2026-01-01" }) { id } }`, { id }), true);
    await moves('new external references', () => ok(`mutation($id: ID!) { updateWorker(id: $id, input: { externalRefs: [{ system: "payroll", id: "X-1" }] }) { id } }`, { id }), true);
    await moves('the same external references', () => ok(`mutation($id: ID!) { updateWorker(id: $id, input: { externalRefs: [{ system: "payroll", id: "X-1" }] }) { id } }`, { id }), false);
    // The upsert key S-n was replaced above: give it back by id, then patch through it.
    await moves('an upsert giving the record a reference', () => upsert({ id }), true);
    await moves('an UPDATED upsert', () => upsert({ location: 'Hamburg' }), true);
    await moves('an UNCHANGED upsert', () => upsert({ location: 'Hamburg' }), false);
  });

  it('orders directReports by change too when updatedAfter is given', async () => {
    const [manager] = await createWorkers(1);
    const reports = await createWorkers(3, manager);
    await rename(reports[0], 'Zed, changed last');
    const since = new Date(Date.now() - 60_000).toISOString();
    const data = await ok(`query($id: ID!, $since: DateTime!) { worker(id: $id) {
      byName: directReports { nodes { id } }
      byChange: directReports(filter: { updatedAfter: $since }) { nodes { id updatedAt } }
    } }`, { id: manager, since });
    assert.equal(data.worker.byChange.nodes.at(-1).id, reports[0]);
    const order = data.worker.byChange.nodes.map((n: { id: string; updatedAt: string }) => `${n.updatedAt} ${n.id}`);
    assert.deepEqual(order, [...order].sort());
    assert.equal(data.worker.byName.nodes.at(-1).id, reports[0], 'by name, "Zed" is last as well');
  });
});

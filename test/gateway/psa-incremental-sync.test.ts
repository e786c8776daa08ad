import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../lib/auth/identity.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/** Lets the millisecond clock move on, so a write after a read never shares the read's last `updatedAt`. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * Issue 17 part 3 for psa through the gateway: projects and assignments pulled by change (`filter: { updatedAfter }`),
 * in (updatedAt, id) order, while writes happen, with nothing missed or repeated; every write path moves `updatedAt`.
 */
describe('psa incremental sync', () => {
  let graph: HubHarness;

  const data = async (query: string, variables: Record<string, unknown> = {}, roles: Role[] = ['ADMIN']) => {
    const result = await graph.query(query, variables, { roles });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('pages assignments by change while they are created and changed: every version once, the last one of each', async () => {
    const customer = (await data(`mutation { createCustomer(input: { name: "Mirror Co", code: "MIRROR", currency: "EUR" }) { id } }`)).createCustomer;
    const project = (await data(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, {
      input: { code: 'MIRROR-1', name: 'Mirrored', customerId: customer.id, currency: 'EUR', startDate: '2026-01-01', endDate: '2026-12-31' },
    })).createProject;
    const since = new Date(Date.now() - 1000).toISOString();
    let next = 0;
    const newAssignments = (count: number) =>
      Array.from({ length: count }, () => {
        next += 1;
        return { externalRef: { system: 'mirror', id: `A-${next}` }, projectId: project.id, workerId: `w-${next}`, roleId: 'role-x', startDate: '2026-02-01', endDate: '2026-02-28', plannedHours: '10' };
      });
    const created = (await data(`mutation($inputs: [AssignmentUpsertInput!]!) { upsertAssignments(inputs: $inputs) { outcome assignment { id } } }`, {
      inputs: newAssignments(10),
    })).upsertAssignments.map((r: any) => r.assignment.id);

    const seen: Array<{ id: string; updatedAt: string; plannedHours: string }> = [];
    let after: string | null = null;
    for (let round = 0; ; round += 1) {
      const page: any = (await data(`query($after: String, $filter: AssignmentFilter) {
        assignments(first: 4, after: $after, filter: $filter) { nodes { id updatedAt plannedHours } pageInfo { hasNextPage endCursor } }
      }`, { after, filter: { projectId: project.id, updatedAfter: since } })).assignments;
      seen.push(...page.nodes);
      after = page.pageInfo.endCursor ?? after;
      if (!page.pageInfo.hasNextPage) break;
      if (round < 3) {
        // Writes between pages: one row already read, one not read yet, one new.
        await tick();
        const readOne = seen[seen.length - 1].id;
        const unread = created[created.length - 1 - round];
        for (const id of [readOne, unread]) {
          await data(`mutation($id: ID!, $hours: Decimal!) { updateAssignment(id: $id, input: { plannedHours: $hours }) { id } }`, { id, hours: String(20 + round) });
        }
        await data(`mutation($inputs: [AssignmentUpsertInput!]!) { upsertAssignments(inputs: $inputs) { outcome } }`, { inputs: newAssignments(1) });
        await tick();
      }
    }

    const current = (await data(`query($filter: AssignmentFilter) { assignments(first: 100, filter: $filter) { nodes { id updatedAt plannedHours } } }`, {
      filter: { projectId: project.id },
    })).assignments.nodes;
    assert.equal(current.length, 13);
    const versions = seen.map((row) => `${row.id}@${row.updatedAt}`);
    assert.equal(new Set(versions).size, versions.length, 'no version of a row read twice');
    const lastSeen = new Map(seen.map((row) => [row.id, row]));
    for (const row of current) assert.deepEqual(lastSeen.get(row.id), row, `the last read of ${row.id} is its current state`);
    const order = seen.map((row) => [row.updatedAt, row.id].join(' '));
    assert.deepEqual(order, [...order].sort(), 'in (updatedAt, id) order');

    // Asking again from the newest updatedAt held finds nothing new.
    const newest = seen.map((row) => row.updatedAt).sort().at(-1);
    const again = (await data(`query($filter: AssignmentFilter) { assignments(filter: $filter) { nodes { id } } }`, { filter: { projectId: project.id, updatedAfter: newest } })).assignments;
    assert.deepEqual(again.nodes, []);
  });

  it('moves a project\'s updatedAt on every change a mirror must see, and pulls it by change under its customer too', async () => {
    const active = (await data(`{ projects(first: 1, filter: { status: [ACTIVE] }) { nodes { id updatedAt customer { id } } } }`)).projects.nodes[0];
    assert.ok(active, 'the demo firm has an active project');
    const pull = async (since: string) =>
      (await data(`query($since: DateTime!, $customer: ID!) {
        projects(filter: { updatedAfter: $since }) { nodes { id updatedAt status } }
        customer(id: $customer) { projects(filter: { updatedAfter: $since }) { nodes { id updatedAt } } }
      }`, { since, customer: active.customer.id }));
    let mark = active.updatedAt;
    const changes: Array<[string, string]> = [
      ['hold', `mutation($id: ID!) { holdProject(id: $id) { updatedAt } }`],
      ['resume', `mutation($id: ID!) { resumeProject(id: $id) { updatedAt } }`],
      ['update', `mutation($id: ID!) { updateProject(id: $id, input: { name: "Renamed for the mirror" }) { updatedAt } }`],
      ['references', `mutation($id: ID!) { updateProject(id: $id, input: { externalRefs: [{ system: "bi", id: "P-1" }] }) { updatedAt } }`],
    ];
    for (const [what, mutation] of changes) {
      await tick();
      await data(mutation, { id: active.id });
      const pulled = await pull(mark);
      const row = pulled.projects.nodes.find((node: any) => node.id === active.id);
      assert.ok(row, `${what} shows in a pull after the last updatedAt held`);
      assert.ok(row.updatedAt > mark, `${what} moved updatedAt`);
      assert.deepEqual(pulled.customer.projects.nodes.find((node: any) => node.id === active.id), { id: active.id, updatedAt: row.updatedAt });
      const order = pulled.projects.nodes.map((node: any) => `${node.updatedAt} ${node.id}`);
      assert.deepEqual(order, [...order].sort());
      mark = row.updatedAt;
    }
    // An update that changes nothing moves nothing.
    await tick();
    await data(`mutation($id: ID!) { updateProject(id: $id, input: { name: "Renamed for the mirror" }) { id } }`, { id: active.id });
    assert.equal((await pull(mark)).projects.nodes.some((node: any) => node.id === active.id), false);
  });
});

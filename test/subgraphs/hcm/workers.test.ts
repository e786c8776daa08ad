import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DomainEvent } from '../../../lib/events/envelope.ts';
import { hcmSubgraph, hcmTopics, type HcmDatabase, type WorkerChanged, type WorkerCreated } from '../../../subgraphs/hcm/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { createOrg, createWorker, fixedClock, ok, tableCounts, type Org } from './fixtures.ts';

describe('hcm workers', () => {
  let hcm: SubgraphHarness<HcmDatabase>;
  let org: Org;
  const events: DomainEvent[] = [];
  const ids: Record<string, string> = {};

  before(async () => {
    hcm = await startSubgraph(hcmSubgraph, { clock: fixedClock });
    await hcm.bus.subscribe({ group: 'test.hcm-events', types: Object.values(hcmTopics), handler: async (event) => void events.push(event) });
    org = await createOrg(hcm, 'ACME');
    ids.ceo = await createWorker(hcm, org, { name: 'Carla Chief', location: 'Munich' });
    for (const name of ['Dora Dev', 'Alan Arch', 'Cleo Coder']) {
      ids[name] = await createWorker(hcm, org, { name, managerId: ids.ceo, skills: [{ skill: 'TypeScript', level: 4 }] });
    }
    ids.deep = await createWorker(hcm, org, { name: 'Ben Junior', managerId: ids['Alan Arch'], skills: [{ skill: 'Go', level: 2 }] });
  });
  after(() => hcm.close());

  const reportsQuery = `query($id: ID!, $after: String) { worker(id: $id) {
    name manager { name }
    directReports(first: 2, after: $after) { totalCount nodes { name manager { name } } pageInfo { hasNextPage endCursor } } } }`;

  it('pages direct reports in name order, each pointing back at its manager', async () => {
    const first = await ok(hcm, reportsQuery, { id: ids.ceo });
    assert.equal(first.worker.manager, null);
    const reports = first.worker.directReports;
    assert.equal(reports.totalCount, 3);
    assert.deepEqual(reports.nodes.map((n: any) => n.name), ['Alan Arch', 'Cleo Coder']);
    assert.deepEqual(reports.nodes.map((n: any) => n.manager.name), ['Carla Chief', 'Carla Chief']);
    assert.equal(reports.pageInfo.hasNextPage, true);
    const next = await ok(hcm, reportsQuery, { id: ids.ceo, after: reports.pageInfo.endCursor });
    assert.deepEqual(next.worker.directReports.nodes.map((n: any) => n.name), ['Dora Dev']);
    assert.equal(next.worker.directReports.pageInfo.hasNextPage, false);
    const leaf = await ok(hcm, reportsQuery, { id: ids.deep });
    assert.equal(leaf.worker.manager.name, 'Alan Arch');
    assert.equal(leaf.worker.directReports.totalCount, 0);
  });

  it('filters workers by search, skill, manager, location and legal entity', async () => {
    const names = async (filter: Record<string, unknown>) =>
      (await ok(hcm, `query($filter: WorkerFilter) { workers(filter: $filter) { nodes { name } } }`, { filter })).workers.nodes.map((n: any) => n.name);
    assert.deepEqual(await names({ search: 'CODER' }), ['Cleo Coder']);
    assert.deepEqual(await names({ skill: 'typescript' }), ['Alan Arch', 'Cleo Coder', 'Dora Dev']);
    assert.deepEqual(await names({ skill: 'go' }), ['Ben Junior']);
    assert.deepEqual(await names({ managerId: ids['Alan Arch'] }), ['Ben Junior']);
    assert.deepEqual(await names({ location: 'Munich' }), ['Carla Chief']);
    assert.deepEqual(await names({ legalEntityId: org.legalEntityId, skill: 'TypeScript', search: 'de' }), ['Cleo Coder', 'Dora Dev']);
    assert.deepEqual(await names({ legalEntityId: 'nope' }), []);
  });

  it('refuses a manager that does not exist, the worker themselves, or one of their reports', async () => {
    const before = await tableCounts(hcm);
    const update = `mutation($id: ID!, $managerId: ID) { updateWorker(id: $id, input: { managerId: $managerId }) { id } }`;
    const missing = await hcm.call(update, { id: ids.deep, managerId: 'missing' });
    assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND');
    const self = await hcm.call(update, { id: ids.ceo, managerId: ids.ceo });
    assert.equal(self.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const cycle = await hcm.call(update, { id: ids.ceo, managerId: ids.deep });
    assert.equal(cycle.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal(cycle.errors?.[0].extensions?.field, 'managerId');
    assert.deepEqual(await tableCounts(hcm), before);
    // Moving someone sideways is fine; and back again.
    const moved = await ok(hcm, `mutation($id: ID!, $managerId: ID) { updateWorker(id: $id, input: { managerId: $managerId }) { manager { name } } }`, {
      id: ids.deep,
      managerId: ids['Dora Dev'],
    });
    assert.equal(moved.updateWorker.manager.name, 'Dora Dev');
    await ok(hcm, update, { id: ids.deep, managerId: ids['Alan Arch'] });
  });

  it('terminates a worker: INACTIVE once the date has passed, with hcm.worker.changed', async () => {
    const id = await createWorker(hcm, org, { name: 'Leaving Larry' });
    const terminate = `mutation($id: ID!, $date: Date) { updateWorker(id: $id, input: { terminationDate: $date }) { status terminationDate } }`;
    const early = await hcm.call(terminate, { id, date: '2023-12-31' });
    assert.equal(early.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual((await ok(hcm, terminate, { id, date: '2026-07-31' })).updateWorker, { status: 'ACTIVE', terminationDate: '2026-07-31' });
    assert.deepEqual((await ok(hcm, terminate, { id, date: '2026-06-12' })).updateWorker, { status: 'INACTIVE', terminationDate: '2026-06-12' });
    const inactive = await ok(hcm, `{ workers(filter: { status: INACTIVE }) { nodes { name } } }`);
    assert.deepEqual(inactive.workers.nodes.map((n: any) => n.name), ['Leaving Larry']);
    const active = await ok(hcm, `{ workers(filter: { status: ACTIVE }) { totalCount } }`);
    assert.equal(active.workers.totalCount, 5);

    await hcm.runtime.relay.flush();
    const changes = events.filter((e) => e.type === hcmTopics.workerChanged && e.subject.id === id).map((e) => e.data as unknown as WorkerChanged);
    assert.equal(changes.length, 2);
    assert.deepEqual(changes[1].changedFields.sort(), ['status', 'terminationDate']);
    assert.equal(changes[1].status, 'INACTIVE');
    assert.equal(changes[1].terminationDate, '2026-06-12');

    assert.equal((await ok(hcm, terminate, { id, date: null })).updateWorker.status, 'ACTIVE');
  });

  it('publishes hcm.worker.created with the new worker, and hcm.worker.changed when skills change', async () => {
    await hcm.runtime.relay.flush();
    const created = events.find((e) => e.type === hcmTopics.workerCreated && e.subject.id === ids.deep)!.data as unknown as WorkerCreated;
    assert.equal(created.name, 'Ben Junior');
    assert.equal(created.managerId, ids['Alan Arch']);
    assert.equal(created.legalEntityId, org.legalEntityId);
    assert.equal(created.status, 'ACTIVE');
    assert.deepEqual(created.skills, [{ skill: 'Go', level: 2 }]);

    const skills = await ok(hcm, `mutation($id: ID!) { setWorkerSkills(workerId: $id, skills: [{ skill: "Go", level: 3 }, { skill: "SQL", level: 2 }]) { skills { skill level } } }`, { id: ids.deep });
    assert.deepEqual(skills.setWorkerSkills.skills, [{ skill: 'Go', level: 3 }, { skill: 'SQL', level: 2 }]);
    const bad = await hcm.call(`mutation($id: ID!) { setWorkerSkills(workerId: $id, skills: [{ skill: "Go", level: 6 }]) { id } }`, { id: ids.deep });
    assert.equal(bad.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    await hcm.runtime.relay.flush();
    const change = events.filter((e) => e.type === hcmTopics.workerChanged && e.subject.id === ids.deep).at(-1)!.data as unknown as WorkerChanged;
    assert.deepEqual(change.changedFields, ['skills']);
  });

  it('answers me for the caller, and resolves references for the gateway', async () => {
    const me = await hcm.call(`{ me { name } }`, {}, { workerId: ids['Dora Dev'], roles: ['WORKER'] });
    assert.equal(me.data.me.name, 'Dora Dev');
    const service = await hcm.call(`{ me { name } }`, {}, { workerId: null, roles: ['ADMIN'] });
    assert.equal(service.data.me, null);
    const entities = await ok(
      hcm,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Worker { name } ... on Role { name } ... on LegalEntity { currency } } }`,
      { reps: [{ __typename: 'Worker', id: ids.ceo }, { __typename: 'Role', id: org.roleId }, { __typename: 'LegalEntity', id: org.legalEntityId }] },
    );
    assert.deepEqual(entities._entities, [{ name: 'Carla Chief' }, { name: 'ACME Consultant' }, { currency: 'EUR' }]);
  });

  it('returns the first worker for a retried idempotency key and refuses the key with another payload', async () => {
    const create = `mutation($input: CreateWorkerInput!, $key: String) { createWorker(input: $input, idempotencyKey: $key) { id } }`;
    const input = {
      employeeNumber: 'IDEM-1', name: 'Ida Empotent', email: 'ida@example.com', kind: 'CONTRACTOR', roleId: org.roleId,
      costCenterId: org.costCenterId, legalEntityId: org.legalEntityId, location: 'Remote', calendarId: org.calendarId, hireDate: '2026-01-01',
    };
    const first = await ok(hcm, create, { input, key: 'hire-ida' });
    const retry = await ok(hcm, create, { input, key: 'hire-ida' });
    assert.equal(retry.createWorker.id, first.createWorker.id);
    const reused = await hcm.call(create, { input: { ...input, name: 'Other' }, key: 'hire-ida' });
    assert.equal(reused.errors?.[0].extensions?.code, 'IDEMPOTENCY_KEY_REUSED');
    const duplicate = await hcm.call(create, { input: { ...input, name: 'Other' } });
    assert.equal(duplicate.errors?.[0].extensions?.code, 'CONFLICT');
  });

  it('lets only ADMIN hire or change workers', async () => {
    const denied = await hcm.call(`mutation($id: ID!) { updateWorker(id: $id, input: { name: "X" }) { id } }`, { id: ids.ceo }, { workerId: ids.ceo, roles: ['MANAGER', 'FINANCE'] });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  it('keeps a worker’s own utilization target (role’s when null), set on hire, changed and cleared, with hcm.worker.changed', async () => {
    const fields = 'targetUtilization role { targetUtilization }';
    const id = await createWorker(hcm, org, { name: 'Target Tina', targetUtilization: '82.50' });
    const read = async () => (await ok(hcm, `query($id: ID!) { worker(id: $id) { ${fields} } }`, { id })).worker;
    assert.equal((await read()).targetUtilization, '82.50');
    const update = `mutation($id: ID!, $target: Decimal) { updateWorker(id: $id, input: { targetUtilization: $target }) { ${fields} } }`;
    assert.equal((await ok(hcm, update, { id, target: '70' })).updateWorker.targetUtilization, '70.00');
    for (const target of ['100.01', '-1', '50.123']) {
      assert.equal((await hcm.call(update, { id, target })).errors?.[0].extensions?.code, 'BAD_USER_INPUT', target);
    }
    const cleared = (await ok(hcm, update, { id, target: null })).updateWorker;
    assert.equal(cleared.targetUtilization, null);
    assert.ok(cleared.role.targetUtilization, 'the role’s target applies');
    await hcm.runtime.relay.flush();
    const changes = events.filter((e) => e.type === hcmTopics.workerChanged && e.subject.id === id).map((e) => e.data as unknown as WorkerChanged);
    assert.deepEqual(changes.map((c) => [c.changedFields, c.targetUtilization]), [[['targetUtilization'], '70.00'], [['targetUtilization'], null]]);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { psaSubgraph, type PsaDatabase } from '../../../subgraphs/psa/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { countRows, outboxOf } from './fixtures.ts';

describe('psa assignments', () => {
  let psa: SubgraphHarness<PsaDatabase>;
  let projectId: string;
  let otherProjectId: string;
  const createAssignment = `mutation($input: CreateAssignmentInput!, $key: String) {
    createAssignment(input: $input, idempotencyKey: $key) { id status worker { id } role { id } billRateOverride { amount currency } }
  }`;
  const assign = async (input: Record<string, unknown>) => psa.call(createAssignment, { input: { roleId: 'role-consultant', ...input } });

  before(async () => {
    psa = await startSubgraph(psaSubgraph);
    const create = `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`;
    projectId = (await psa.call(create, { input: { code: 'P-A', name: 'A', customerId: 'c', currency: 'EUR', startDate: '2026-01-01', endDate: '2026-12-31' } })).data.createProject.id;
    otherProjectId = (await psa.call(create, { input: { code: 'P-B', name: 'B', customerId: 'c', startDate: '2026-01-01' } })).data.createProject.id;
    // Twelve monthly assignments on A, round-robin over three workers; every third one tentative.
    for (let month = 1; month <= 12; month += 1) {
      const mm = String(month).padStart(2, '0');
      const result = await assign({
        projectId,
        workerId: `w${month % 3}`,
        startDate: `2026-${mm}-01`,
        endDate: `2026-${mm}-28`,
        plannedHours: '80.00',
        status: month % 3 === 0 ? 'TENTATIVE' : 'CONFIRMED',
      });
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    }
    await assign({ projectId: otherProjectId, workerId: 'w1', startDate: '2026-03-01', endDate: '2026-03-31' });
  });
  after(() => psa.close());

  const list = `query($filter: AssignmentFilter, $first: Int, $after: String, $last: Int, $before: String) {
    assignments(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
      totalCount nodes { startDate worker { id } status project { code } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
    }
  }`;

  it('filters by project, worker, status and date window', async () => {
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ projectId }, 12],
      [{ workerId: 'w1' }, 5],
      [{ projectId, workerId: 'w1' }, 4],
      [{ projectId, status: ['TENTATIVE'] }, 4],
      [{ projectId, status: ['TENTATIVE', 'CONFIRMED'] }, 12],
      [{ projectId, from: '2026-03-15', to: '2026-05-01' }, 3],
      [{ from: '2026-03-29', to: '2026-03-31' }, 1],
    ];
    for (const [filter, expected] of cases) {
      const result = await psa.call(list, { filter });
      assert.equal(result.data.assignments.totalCount, expected, JSON.stringify(filter));
    }
  });

  it('pages forward and backward in start-date order', async () => {
    const first = (await psa.call(list, { filter: { projectId }, first: 5 })).data.assignments;
    assert.deepEqual(first.nodes.map((n: any) => n.startDate), ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01', '2026-05-01']);
    assert.equal(first.pageInfo.hasNextPage, true);
    const second = (await psa.call(list, { filter: { projectId }, first: 5, after: first.pageInfo.endCursor })).data.assignments;
    assert.deepEqual(second.nodes.map((n: any) => n.startDate), ['2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01', '2026-10-01']);
    assert.equal(second.pageInfo.hasPreviousPage, true);
    const third = (await psa.call(list, { filter: { projectId }, first: 5, after: second.pageInfo.endCursor })).data.assignments;
    assert.deepEqual(third.nodes.map((n: any) => n.startDate), ['2026-11-01', '2026-12-01']);
    assert.equal(third.pageInfo.hasNextPage, false);
    const back = (await psa.call(list, { filter: { projectId }, last: 2, before: second.pageInfo.startCursor })).data.assignments;
    assert.deepEqual(back.nodes.map((n: any) => n.startDate), ['2026-04-01', '2026-05-01']);
    assert.equal(back.pageInfo.hasPreviousPage, true);
    const bad = await psa.call(list, { first: 2, after: 'not-a-cursor' });
    assert.equal(bad.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  });

  it('lists a worker\'s assignments through the Worker entity, filtered', async () => {
    const result = await psa.call(
      `query($rep: [_Any!]!) { _entities(representations: $rep) { ... on Worker { id assignments(filter: { projectId: "${projectId}", status: [CONFIRMED] }) { totalCount nodes { startDate } } } } }`,
      { rep: [{ __typename: 'Worker', id: 'w1' }, { __typename: 'Worker', id: 'w2' }] },
    );
    const [w1, w2] = result.data._entities;
    assert.deepEqual(w1.assignments.nodes.map((n: any) => n.startDate), ['2026-01-01', '2026-04-01', '2026-07-01', '2026-10-01']);
    assert.equal(w2.assignments.totalCount, 4);
  });

  it('refuses a double assignment and a window outside the project, writing nothing', async () => {
    const assignments = await countRows(psa, 'assignment');
    const outbox = await countRows(psa, 'outbox');
    const overlap = await assign({ projectId, workerId: 'w1', startDate: '2026-01-20', endDate: '2026-02-10' });
    assert.equal(overlap.errors?.[0].extensions?.code, 'CONFLICT');
    const outside = await assign({ projectId, workerId: 'w9', startDate: '2025-12-15', endDate: '2026-01-15' });
    assert.equal(outside.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const noCurrency = await assign({ projectId: otherProjectId, workerId: 'w9', startDate: '2026-05-01', endDate: '2026-05-31', billRateOverride: '100.00' });
    assert.equal(noCurrency.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const unknown = await assign({ projectId: 'nope', workerId: 'w9', startDate: '2026-05-01', endDate: '2026-05-31' });
    assert.equal(unknown.errors?.[0].extensions?.code, 'NOT_FOUND');
    const denied = await psa.call(createAssignment, { input: { projectId, workerId: 'w9', roleId: 'r', startDate: '2026-05-01', endDate: '2026-05-31' } }, { workerId: 'w9', roles: ['WORKER'] });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal(await countRows(psa, 'assignment'), assignments);
    assert.equal(await countRows(psa, 'outbox'), outbox);
  });

  it('lets a resource manager staff and publishes psa.assignment.changed on create and update', async () => {
    const created = await psa.call(
      createAssignment,
      { input: { projectId, workerId: 'w7', roleId: 'role-architect', startDate: '2026-06-01', endDate: '2026-08-31', billRateOverride: '175.00', status: 'TENTATIVE' } },
      { workerId: 'rm', roles: ['RESOURCE_MANAGER'] },
    );
    const assignment = created.data.createAssignment;
    assert.deepEqual(assignment.billRateOverride, { amount: '175.00', currency: 'EUR' });
    const update = `mutation($id: ID!, $input: UpdateAssignmentInput!) { updateAssignment(id: $id, input: $input) { status endDate } }`;
    const confirmed = await psa.call(update, { id: assignment.id, input: { status: 'CONFIRMED', endDate: '2026-09-30' } });
    assert.deepEqual(confirmed.data.updateAssignment, { status: 'CONFIRMED', endDate: '2026-09-30' });
    await psa.call(update, { id: assignment.id, input: { status: 'CANCELLED' } });
    const revived = await psa.call(update, { id: assignment.id, input: { status: 'CONFIRMED' } });
    assert.equal(revived.errors?.[0].extensions?.code, 'INVALID_TRANSITION');
    // Once cancelled, the window is free for a new assignment of the same worker.
    const again = await assign({ projectId, workerId: 'w7', startDate: '2026-07-01', endDate: '2026-07-31' });
    assert.equal(again.errors, undefined);

    const events = (await outboxOf(psa, 'psa.assignment.changed')).filter((event) => event.subject_id === assignment.id);
    assert.deepEqual(
      events.map((event) => `${event.data.change} ${event.data.previousStatus ?? '-'}→${event.data.status} ${event.data.billRateOverride} ${event.data.currency}`),
      ['CREATED -→TENTATIVE 175.00 EUR', 'UPDATED TENTATIVE→CONFIRMED 175.00 EUR', 'UPDATED CONFIRMED→CANCELLED 175.00 EUR'],
    );
  });

  it('refuses project dates that would strand an assignment', async () => {
    const result = await psa.call(`mutation($id: ID!) { updateProject(id: $id, input: { endDate: "2026-11-30" }) { id } }`, { id: projectId });
    assert.equal(result.errors?.[0].extensions?.code, 'CONFLICT');
  });

  it('fills a staffing request with an assignment of its project', async () => {
    const request = await psa.call(
      `mutation($p: ID!) { createStaffingRequest(input: { projectId: $p, roleId: "role-architect", hours: "100.00", startDate: "2026-06-01", endDate: "2026-06-30" }) { id demand status } }`,
      { p: projectId },
    );
    assert.deepEqual({ demand: request.data.createStaffingRequest.demand, status: request.data.createStaffingRequest.status }, { demand: 'CONFIRMED', status: 'OPEN' });
    const foreign = (await psa.call(list, { filter: { projectId: otherProjectId } })).data;
    const fill = `mutation($id: ID!, $a: ID!) { updateStaffingRequest(id: $id, input: { assignmentId: $a }) { status assignment { worker { id } } } }`;
    const ownAssignment = (await psa.call(`query($p: ID!) { assignments(filter: { projectId: $p, workerId: "w0" }, first: 1) { nodes { id } } }`, { p: projectId })).data.assignments.nodes[0].id;
    const otherAssignment = (await psa.call(`query($p: ID!) { assignments(filter: { projectId: $p }, first: 1) { nodes { id } } }`, { p: otherProjectId })).data.assignments.nodes[0].id;
    assert.equal(foreign.assignments.totalCount, 1);
    const wrong = await psa.call(fill, { id: request.data.createStaffingRequest.id, a: otherAssignment });
    assert.equal(wrong.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const filled = await psa.call(fill, { id: request.data.createStaffingRequest.id, a: ownAssignment });
    assert.deepEqual(filled.data.updateStaffingRequest, { status: 'FILLED', assignment: { worker: { id: 'w0' } } });
    const cancel = await psa.call(`mutation($id: ID!) { cancelStaffingRequest(id: $id) { status } }`, { id: request.data.createStaffingRequest.id });
    assert.equal(cancel.errors?.[0].extensions?.code, 'INVALID_TRANSITION');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { psaSubgraph, type PsaDatabase } from '../../../subgraphs/psa/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { billingSetupReady, countRows, outboxOf } from './fixtures.ts';

describe('psa projects', () => {
  let psa: SubgraphHarness<PsaDatabase>;
  before(async () => {
    psa = await startSubgraph(psaSubgraph);
  });
  after(() => psa.close());

  const createProject = `mutation($input: CreateProjectInput!, $key: String) {
    createProject(input: $input, idempotencyKey: $key) { id code status billingReady budgetAmount { amount currency } contract { id } }
  }`;
  const move = (action: string) => `mutation($id: ID!) { ${action}(id: $id) { id status } }`;
  const base = { customerId: 'cust-1', startDate: '2026-01-01', endDate: '2026-12-31' };

  it('refuses activation, naming what is missing, until the project can be invoiced; then walks the lifecycle', async () => {
    const created = await psa.call(createProject, { input: { ...base, code: 'P-LIFE', name: 'Lifecycle' } });
    const project = created.data.createProject;
    assert.equal(project.status, 'DRAFT');
    assert.equal(project.billingReady, false);

    const refused = await psa.call(move('activateProject'), { id: project.id });
    assert.equal(refused.errors?.[0].extensions?.code, 'PROJECT_NOT_READY');
    assert.equal(refused.errors?.[0].message, 'project P-LIFE cannot be activated: missing contract, billing method, legal entity, billing setup');

    const contractId = 'contract-life';
    const updated = await psa.call(
      `mutation($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) { billingReady contract { id } legalEntity { id } billingMethod } }`,
      { id: project.id, input: { contractId, billingMethod: 'FIXED_FEE', legalEntityId: 'le-de', currency: 'EUR' } },
    );
    assert.deepEqual(updated.data.updateProject, { billingReady: false, contract: { id: contractId }, legalEntity: { id: 'le-de' }, billingMethod: 'FIXED_FEE' });
    const stillRefused = await psa.call(move('activateProject'), { id: project.id });
    assert.equal(stillRefused.errors?.[0].message, 'project P-LIFE cannot be activated: missing billing setup');

    await psa.bus.publish(billingSetupReady(contractId));
    const ready = await psa.call(`query($id: ID!) { project(id: $id) { status billingReady } }`, { id: project.id });
    // A hand-made project becomes ready but is activated by a person, not by the event.
    assert.deepEqual(ready.data.project, { status: 'DRAFT', billingReady: true });

    for (const [action, status] of [['activateProject', 'ACTIVE'], ['holdProject', 'ON_HOLD'], ['resumeProject', 'ACTIVE']] as const) {
      const moved = await psa.call(move(action), { id: project.id });
      assert.equal(moved.data?.[action].status, status, action);
    }
    const illegal = await psa.call(move('resumeProject'), { id: project.id });
    assert.equal(illegal.errors?.[0].extensions?.code, 'INVALID_TRANSITION');
    const frozen = await psa.call(
      `mutation($id: ID!) { updateProject(id: $id, input: { contractId: "other" }) { id } }`,
      { id: project.id },
    );
    assert.equal(frozen.errors?.[0].extensions?.code, 'INVALID_TRANSITION', 'billing terms are fixed after activation');
    assert.equal((await psa.call(move('closeProject'), { id: project.id })).data.closeProject.status, 'CLOSED');
    const closedTask = await psa.call(`mutation($p: ID!) { createTask(input: { projectId: $p, wbs: "1", name: "Late" }) { id } }`, { p: project.id });
    assert.equal(closedTask.errors?.[0].extensions?.code, 'INVALID_TRANSITION');

    const changes = (await outboxOf(psa, 'psa.project.status_changed')).filter((event) => event.subject_id === project.id);
    assert.deepEqual(changes.map((event) => `${event.data.from}→${event.data.to}`), ['DRAFT→ACTIVE', 'ACTIVE→ON_HOLD', 'ON_HOLD→ACTIVE', 'ACTIVE→CLOSED']);
    const activated = (await outboxOf(psa, 'psa.project.activated')).filter((event) => event.subject_id === project.id);
    assert.equal(activated.length, 1);
    assert.equal(activated[0].data.contractId, contractId);
  });

  it('refuses bad input with a stable code and writes nothing', async () => {
    await psa.call(createProject, { input: { ...base, code: 'P-TAKEN', name: 'Taken' } });
    const projects = await countRows(psa, 'project');
    const outbox = await countRows(psa, 'outbox');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ code: 'P-X1', name: 'X', currency: 'euro' }, 'BAD_USER_INPUT'],
      [{ code: 'P-X2', name: 'X', endDate: '2025-12-31' }, 'BAD_USER_INPUT'],
      [{ code: 'P-X3', name: 'X', budgetAmount: '100.00' }, 'BAD_USER_INPUT'],
      [{ code: 'P-X4', name: 'X', currency: 'EUR', budgetHours: '1.234' }, 'BAD_USER_INPUT'],
      [{ code: 'P-X5', name: '  ' }, 'BAD_USER_INPUT'],
      [{ code: 'P-TAKEN', name: 'Again' }, 'CONFLICT'],
    ];
    for (const [input, code] of cases) {
      const result = await psa.call(createProject, { input: { ...base, ...input } });
      assert.equal(result.errors?.[0].extensions?.code, code, JSON.stringify(input));
    }
    assert.equal(await countRows(psa, 'project'), projects);
    assert.equal(await countRows(psa, 'outbox'), outbox);
  });

  it('returns the first result for a retried idempotency key and refuses the key with another payload', async () => {
    const input = { ...base, code: 'P-IDEM', name: 'Idempotent', currency: 'EUR', budgetAmount: '1000.00' };
    const first = await psa.call(createProject, { input, key: 'k-idem' });
    const retry = await psa.call(createProject, { input, key: 'k-idem' });
    assert.equal(retry.data.createProject.id, first.data.createProject.id);
    assert.deepEqual(first.data.createProject.budgetAmount, { amount: '1000.00', currency: 'EUR' });
    const reused = await psa.call(createProject, { input: { ...input, name: 'Other' }, key: 'k-idem' });
    assert.equal(reused.errors?.[0].extensions?.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal((await outboxOf(psa, 'psa.project.created')).filter((event) => event.subject_id === first.data.createProject.id).length, 1);
  });

  it('keeps the WBS unique per project and lists tasks in WBS order under their parents', async () => {
    const project = (await psa.call(createProject, { input: { ...base, code: 'P-WBS', name: 'WBS' } })).data.createProject;
    const createTask = `mutation($input: CreateTaskInput!) { createTask(input: $input) { id wbs parent { wbs } } }`;
    for (const wbs of ['1', '2', '1.10', '1.2']) {
      const task = await psa.call(createTask, { input: { projectId: project.id, wbs, name: `Task ${wbs}` } });
      assert.equal(task.data.createTask.parent?.wbs ?? null, wbs.startsWith('1.') ? '1' : null, wbs);
    }
    const duplicate = await psa.call(createTask, { input: { projectId: project.id, wbs: '1.2', name: 'Again' } });
    assert.equal(duplicate.errors?.[0].extensions?.code, 'CONFLICT');
    const elsewhere = await psa.call(createProject, { input: { ...base, code: 'P-WBS2', name: 'Other' } });
    const sameCodeOtherProject = await psa.call(createTask, { input: { projectId: elsewhere.data.createProject.id, wbs: '1.2', name: 'Fine' } });
    assert.equal(sameCodeOtherProject.errors, undefined);
    const list = await psa.call(`query($id: ID!) { project(id: $id) { tasks { totalCount nodes { wbs } } } }`, { id: project.id });
    assert.deepEqual(list.data.project.tasks.nodes.map((t: { wbs: string }) => t.wbs), ['1', '1.2', '1.10', '2']);
    assert.equal(list.data.project.tasks.totalCount, 4);
  });

  it('completes a milestone of an active project and publishes psa.milestone.completed', async () => {
    const project = (await psa.call(createProject, {
      input: { ...base, code: 'P-MS', name: 'Milestones', currency: 'USD', contractId: 'contract-ms', billingMethod: 'FIXED_FEE', legalEntityId: 'le-us' },
    })).data.createProject;
    const milestone = await psa.call(
      `mutation($p: ID!) { createMilestone(input: { projectId: $p, name: "Design signed off", amount: "12500.00", dueDate: "2026-03-31" }) { id status amount { amount currency } } }`,
      { p: project.id },
    );
    const { id, amount } = milestone.data.createMilestone;
    assert.deepEqual(amount, { amount: '12500.00', currency: 'USD' });
    const early = await psa.call(`mutation($id: ID!) { completeMilestone(id: $id) { status } }`, { id });
    assert.equal(early.errors?.[0].extensions?.code, 'INVALID_TRANSITION', 'a DRAFT project is not billable yet');
    await psa.bus.publish(billingSetupReady('contract-ms'));
    await psa.call(move('activateProject'), { id: project.id });
    const done = await psa.call(`mutation($id: ID!) { completeMilestone(id: $id) { status completedAt } }`, { id });
    assert.equal(done.data.completeMilestone.status, 'COMPLETED');
    assert.ok(done.data.completeMilestone.completedAt);
    const again = await psa.call(`mutation($id: ID!) { completeMilestone(id: $id) { status } }`, { id });
    assert.equal(again.errors?.[0].extensions?.code, 'INVALID_TRANSITION');
    const events = (await outboxOf(psa, 'psa.milestone.completed')).filter((event) => event.subject_id === id);
    assert.equal(events.length, 1);
    assert.deepEqual(
      { amount: events[0].data.amount, currency: events[0].data.currency, contractId: events[0].data.contractId },
      { amount: '12500.00', currency: 'USD', contractId: 'contract-ms' },
    );
  });

  it('lets only planners change projects', async () => {
    const worker = await psa.call(createProject, { input: { ...base, code: 'P-NO', name: 'No' } }, { workerId: 'w1', roles: ['WORKER'] });
    assert.equal(worker.errors?.[0].extensions?.code, 'FORBIDDEN');
    const staffer = await psa.call(createProject, { input: { ...base, code: 'P-NO', name: 'No' } }, { workerId: 'w2', roles: ['RESOURCE_MANAGER'] });
    assert.equal(staffer.errors?.[0].extensions?.code, 'FORBIDDEN');
    const manager = await psa.call(createProject, { input: { ...base, code: 'P-YES', name: 'Yes' } }, { workerId: 'w3', roles: ['MANAGER'] });
    assert.equal(manager.data.createProject.code, 'P-YES');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Role } from '../../lib/auth/identity.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Issue 17 part 1 for psa through the gateway: projects, tasks, assignments and milestones carry ids of other
 * systems, are found by them, name each other (and crm's and hcm's records) by them, and are upserted in bulk.
 */
describe('psa external references and upserts', () => {
  let graph: HubHarness;
  let customerId: string;
  let workers: Array<{ id: string; role: { id: string } }>;

  const data = async (query: string, variables: Record<string, unknown> = {}, roles: Role[] = ['ADMIN']) => {
    const result = await graph.query(query, variables, { roles });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  const errorCode = async (query: string, variables: Record<string, unknown> = {}, roles: Role[] = ['ADMIN']) => {
    const result = await graph.query(query, variables, { roles });
    assert.ok(result.errors?.length, `expected an error, got ${JSON.stringify(result.data)}`);
    return result.errors![0].extensions?.code;
  };
  const psa = () => graph.hub.subgraphs.psa.database;
  /** psa's outbox rows (of one type and project, when given): every event psa publishes. */
  const outboxRows = async (type?: string, projectId?: string) => {
    let query = psa().db.selectFrom('outbox').select(sql<number>`count(*)::int`.as('n'));
    if (type) query = query.where('type', '=', type).where(sql<string>`data->>'projectId'`, '=', projectId!);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };
  /** The statements psa sent that write (a savepoint is not a write). */
  const writes = () => psa().statements.recent.filter((text) => /^\s*(insert|update|delete)\b/i.test(text));

  const upsertProjects = `mutation($inputs: [ProjectUpsertInput!]!, $key: String) {
    upsertProjects(inputs: $inputs, idempotencyKey: $key) { index outcome error { code field message } project { id code name updatedAt externalRefs { system id } } }
  }`;
  const upsertTasks = `mutation($inputs: [TaskUpsertInput!]!) {
    upsertTasks(inputs: $inputs) { index outcome error { code field } task { id wbs name status parent { id } project { id } externalRefs { system id } } }
  }`;
  const upsertAssignments = `mutation($inputs: [AssignmentUpsertInput!]!) {
    upsertAssignments(inputs: $inputs) { index outcome error { code field message } assignment { id startDate endDate plannedHours status updatedAt worker { id } role { id } } }
  }`;
  const upsertMilestones = `mutation($inputs: [MilestoneUpsertInput!]!) {
    upsertMilestones(inputs: $inputs) { index outcome error { code field } milestone { id name status amount { amount } externalRefs { system id } } }
  }`;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
    customerId = (await data(`mutation { createCustomer(input: { name: "Acme Imports", code: "ACME-X", currency: "EUR" }) { id } }`)).createCustomer.id;
    workers = (await data(`{ workers(first: 5, filter: { status: ACTIVE }) { nodes { id role { id } } } }`)).workers.nodes;
    assert.ok(workers.length >= 3);
  });
  after(() => graph.close());

  const newProject = (code: string, extra: Record<string, unknown> = {}) => ({
    code, name: `Project ${code}`, customerId, currency: 'EUR', startDate: '2026-01-01', endDate: '2027-12-31', ...extra,
  });

  it('creates with references, finds by them, filters by them, and names psa records by them in inputs', async () => {
    const project = (await data(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id externalRefs { system id } } }`, {
      input: newProject('REF-1', { externalRefs: [{ system: 'harvest', id: '1001' }, { system: 'kimai', id: 'p-7' }] }),
    })).createProject;
    assert.deepEqual(project.externalRefs, [{ system: 'harvest', id: '1001' }, { system: 'kimai', id: 'p-7' }]);

    const found = await data(`{ project(externalRef: { system: "harvest", id: " 1001 " }) { id } }`);
    assert.equal(found.project.id, project.id);
    assert.equal((await data(`{ project(externalRef: { system: "harvest", id: "nope" }) { id } }`)).project, null);
    assert.equal(await errorCode(`query($id: ID) { project(id: $id, externalRef: { system: "harvest", id: "1001" }) { id } }`, { id: project.id }), 'BAD_USER_INPUT');
    assert.equal(await errorCode(`{ project { id } }`), 'BAD_USER_INPUT');

    // A task, an assignment and a milestone naming the project by its reference.
    const task = (await data(`mutation($input: CreateTaskInput!) { createTask(input: $input) { id project { id } externalRefs { id } } }`, {
      input: { projectRef: { system: 'harvest', id: '1001' }, wbs: '1', name: 'Design', externalRefs: [{ system: 'harvest', id: 't-1' }] },
    })).createTask;
    assert.equal(task.project.id, project.id);
    const subtask = (await data(`mutation($input: CreateTaskInput!) { createTask(input: $input) { id parent { id } } }`, {
      input: { projectId: project.id, wbs: '1.1', name: 'Wireframes', parentRef: { system: 'harvest', id: 't-1' } },
    })).createTask;
    assert.equal(subtask.parent.id, task.id);
    const assignment = (await data(`mutation($input: CreateAssignmentInput!) { createAssignment(input: $input) { id project { id } externalRefs { system id } } }`, {
      input: {
        projectRef: { system: 'kimai', id: 'p-7' }, workerId: workers[0].id, roleId: workers[0].role.id, startDate: '2026-02-01', endDate: '2026-03-31',
        externalRefs: [{ system: 'harvest', id: 'a-1' }],
      },
    })).createAssignment;
    assert.equal(assignment.project.id, project.id);
    const milestone = (await data(`mutation($input: CreateMilestoneInput!) { createMilestone(input: $input) { id project { id } } }`, {
      input: { projectRef: { system: 'harvest', id: '1001' }, name: 'Kick-off', amount: '1000', dueDate: '2026-02-15', externalRefs: [{ system: 'harvest', id: 'm-1' }] },
    })).createMilestone;
    assert.equal(milestone.project.id, project.id);
    assert.equal(await errorCode(`mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }`, {
      input: { projectRef: { system: 'harvest', id: 'unknown' }, wbs: '2', name: 'Lost' },
    }), 'NOT_FOUND');
    assert.equal(await errorCode(`mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }`, {
      input: { projectId: project.id, projectRef: { system: 'harvest', id: '1001' }, wbs: '2', name: 'Both' },
    }), 'BAD_USER_INPUT');

    const lookups = await data(`{
      task(externalRef: { system: "harvest", id: "t-1" }) { id }
      assignment(externalRef: { system: "harvest", id: "a-1" }) { id }
      milestone(externalRef: { system: "harvest", id: "m-1" }) { id externalRefs { system id } }
    }`);
    assert.equal(lookups.task.id, task.id);
    assert.equal(lookups.assignment.id, assignment.id);
    assert.equal(lookups.milestone.id, milestone.id);

    const lists = await data(`query($refs: [ExternalRefInput!]) {
      byRefs: projects(filter: { externalRefs: $refs }) { nodes { id } }
      bySystem: projects(filter: { externalSystem: "kimai" }) { nodes { id } }
      assignments(filter: { externalRefs: [{ system: "harvest", id: "a-1" }] }) { nodes { id } }
      milestones(filter: { externalSystem: "harvest" }) { nodes { id } }
      project(externalRef: { system: "kimai", id: "p-7" }) { tasks(filter: { externalSystem: "harvest" }) { nodes { id } } }
    }`, { refs: [{ system: 'kimai', id: 'p-7' }, { system: 'other', id: 'x' }] });
    assert.deepEqual(lists.byRefs.nodes, [{ id: project.id }]);
    assert.deepEqual(lists.bySystem.nodes, [{ id: project.id }]);
    assert.deepEqual(lists.assignments.nodes, [{ id: assignment.id }]);
    assert.deepEqual(lists.milestones.nodes, [{ id: milestone.id }]);
    assert.deepEqual(lists.project.tasks.nodes, [{ id: task.id }]);

    // An update's externalRefs replaces the set.
    const updated = (await data(`mutation($id: ID!) { updateProject(id: $id, input: { externalRefs: [{ system: "harvest", id: "1001-b" }] }) { externalRefs { system id } } }`, {
      id: project.id,
    })).updateProject;
    assert.deepEqual(updated.externalRefs, [{ system: 'harvest', id: '1001-b' }]);
    assert.equal((await data(`{ project(externalRef: { system: "kimai", id: "p-7" }) { id } }`)).project, null);
  });

  it('keeps references unique per system: another record holding one is CONFLICT, and task references span projects', async () => {
    const first = (await data(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, {
      input: newProject('UNIQ-1', { externalRefs: [{ system: 'sap', id: 'U1' }] }),
    })).createProject;
    const second = (await data(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: newProject('UNIQ-2') })).createProject;
    assert.equal(await errorCode(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, {
      input: newProject('UNIQ-3', { externalRefs: [{ system: 'sap', id: 'U1' }] }),
    }), 'CONFLICT');
    assert.equal((await data(`{ projects(filter: { search: "UNIQ-3" }) { totalCount } }`)).projects.totalCount, 0, 'the refused create wrote nothing');
    assert.equal(await errorCode(`mutation($id: ID!) { updateProject(id: $id, input: { externalRefs: [{ system: "sap", id: "U1" }] }) { id } }`, { id: second.id }), 'CONFLICT');
    assert.equal(await errorCode(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, {
      input: newProject('UNIQ-4', { externalRefs: [{ system: 'sap', id: 'U4' }, { system: 'sap', id: 'U5' }] }),
    }), 'BAD_USER_INPUT', 'one id per system per record');

    await data(`mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }`, {
      input: { projectId: first.id, wbs: '1', name: 'Build', externalRefs: [{ system: 'jira', id: 'T-1' }] },
    });
    assert.equal(await errorCode(`mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }`, {
      input: { projectId: second.id, wbs: '1', name: 'Build', externalRefs: [{ system: 'jira', id: 'T-1' }] },
    }), 'CONFLICT');
    const upserted = (await data(upsertProjects, { inputs: [{ externalRef: { system: 'sap', id: 'U1' }, id: second.id }] })).upsertProjects[0];
    assert.equal(upserted.outcome, 'REFUSED', 'a reference another project holds is not moved by an upsert naming another id');
    assert.equal(upserted.error.code, 'BAD_USER_INPUT');
  });

  it('resolves references to crm and hcm records through the graph, one request per owner for a batch', async () => {
    const customer = (await data(`mutation { createCustomer(input: { name: "Globex", code: "GLOBEX-X", currency: "EUR", externalRefs: [{ system: "hubspot", id: "C-9" }] }) { id } }`)).createCustomer;
    const refOf = (index: number) => ({ system: 'bamboo', id: `W-${index}` });
    const attached = (await data(`mutation($inputs: [WorkerUpsertInput!]!) { upsertWorkers(inputs: $inputs) { outcome error { code message } } }`, {
      inputs: workers.slice(0, 3).map((worker, index) => ({ externalRef: refOf(index), id: worker.id })),
    })).upsertWorkers;
    assert.deepEqual(attached.map((r: any) => r.outcome), ['UPDATED', 'UPDATED', 'UPDATED'], JSON.stringify(attached));
    const roleIds = [...new Set(workers.slice(0, 3).map((worker) => worker.role.id))];
    await data(`mutation($inputs: [RoleUpsertInput!]!) { upsertRoles(inputs: $inputs) { outcome } }`, {
      inputs: roleIds.map((id) => ({ externalRef: { system: 'bamboo', id: `R-${id}` }, id })),
    });

    const project = (await data(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id customer { id name } manager { id } } }`, {
      input: { code: 'GLOBEX-1', name: 'Globex rollout', customerRef: { system: 'hubspot', id: 'C-9' }, managerRef: refOf(2), currency: 'EUR', startDate: '2026-01-01' },
    })).createProject;
    assert.equal(project.customer.id, customer.id);
    assert.equal(project.customer.name, 'Globex');
    assert.equal(project.manager.id, workers[2].id);
    assert.equal(await errorCode(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, {
      input: { code: 'GLOBEX-2', name: 'Unknown customer', customerRef: { system: 'hubspot', id: 'C-404' }, startDate: '2026-01-01' },
    }), 'NOT_FOUND');
    assert.equal(await errorCode(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, {
      input: { code: 'GLOBEX-3', name: 'Both', customerId: customer.id, customerRef: { system: 'hubspot', id: 'C-9' }, startDate: '2026-01-01' },
    }), 'BAD_USER_INPUT');

    // A contract and a legal entity named by reference on an update.
    const { contracts, legalEntities } = await data(`{ contracts(first: 1) { nodes { id } } legalEntities(first: 1) { nodes { id } } }`);
    await data(`mutation($inputs: [ContractUpsertInput!]!) { upsertContracts(inputs: $inputs) { outcome } }`, {
      inputs: [{ externalRef: { system: 'sap', id: 'K-1' }, id: contracts.nodes[0].id }],
    });
    await data(`mutation($inputs: [LegalEntityUpsertInput!]!) { upsertLegalEntities(inputs: $inputs) { outcome } }`, {
      inputs: [{ externalRef: { system: 'sap', id: 'LE-1' }, id: legalEntities.nodes[0].id }],
    });
    const terms = (await data(`mutation($id: ID!) { updateProject(id: $id, input: { contractRef: { system: "sap", id: "K-1" }, legalEntityRef: { system: "sap", id: "LE-1" } }) { contract { id } legalEntity { id } } }`, {
      id: project.id,
    })).updateProject;
    assert.deepEqual(terms, { contract: { id: contracts.nodes[0].id }, legalEntity: { id: legalEntities.nodes[0].id } });

    const batch = (count: number, prefix: string, firstMonth = 1) =>
      Array.from({ length: count }, (_, index) => ({
        externalRef: { system: 'bamboo', id: `${prefix}-${index}` },
        projectId: project.id,
        workerRef: refOf(index % 3),
        roleRef: { system: 'bamboo', id: `R-${workers[index % 3].role.id}` },
        startDate: `2026-0${firstMonth + Math.floor(index / 3)}-01`,
        endDate: `2026-0${firstMonth + Math.floor(index / 3)}-20`,
      }));
    const hcm = graph.hub.subgraphs.hcm.database.statements;
    const hcmStatements = async (inputs: unknown[]) => {
      hcm.reset();
      const results = (await data(upsertAssignments, { inputs })).upsertAssignments;
      for (const result of results) assert.equal(result.outcome, 'CREATED', JSON.stringify(result.error));
      return { total: hcm.total, results };
    };
    const one = await hcmStatements(batch(1, 'A1', 6));
    const nine = await hcmStatements(batch(9, 'A9'));
    assert.equal(nine.total, one.total, 'hcm answers the references of 9 inputs with as many statements as those of 1');
    assert.equal(nine.results[4].assignment.worker.id, workers[1].id);
    assert.equal(nine.results[4].assignment.role.id, workers[1].role.id);

    const unknown = (await data(upsertAssignments, {
      inputs: [{ ...batch(1, 'A-unknown', 8)[0], workerRef: { system: 'bamboo', id: 'W-404' } }],
    })).upsertAssignments[0];
    assert.equal(unknown.outcome, 'REFUSED');
    assert.equal(unknown.error.code, 'NOT_FOUND');
  });

  it('upserts create, then update, then change nothing and publish nothing', async () => {
    const inputs = [
      { externalRef: { system: 'harvest', id: 'UP-1' }, ...newProject('UP-1') },
      { externalRef: { system: 'harvest', id: 'UP-2' }, ...newProject('UP-2'), externalRefs: [{ system: 'kimai', id: 'UP-2' }] },
    ];
    await graph.hub.settle();
    const before = await outboxRows();
    const created = (await data(upsertProjects, { inputs })).upsertProjects;
    assert.deepEqual(created.map((r: any) => [r.index, r.outcome]), [[0, 'CREATED'], [1, 'CREATED']]);
    assert.deepEqual(created[1].project.externalRefs, [{ system: 'harvest', id: 'UP-2' }, { system: 'kimai', id: 'UP-2' }]);
    assert.equal(await outboxRows(), before + 2, 'psa.project.created for each');

    await graph.hub.settle();
    psa().statements.reset();
    const again = (await data(upsertProjects, { inputs })).upsertProjects;
    assert.deepEqual(again.map((r: any) => r.outcome), ['UNCHANGED', 'UNCHANGED']);
    assert.deepEqual(writes(), [], 'an unchanged upsert writes nothing');
    assert.equal(await outboxRows(), before + 2);
    assert.equal(again[0].project.updatedAt, created[0].project.updatedAt);

    const renamed = (await data(upsertProjects, { inputs: [{ externalRef: { system: 'harvest', id: 'UP-1' }, name: 'Renamed', budgetHours: '10' }] })).upsertProjects[0];
    assert.equal(renamed.outcome, 'UPDATED');
    assert.equal(renamed.project.name, 'Renamed');
    assert.equal(renamed.project.code, 'UP-1');
    assert.ok(renamed.project.updatedAt > created[0].project.updatedAt);
    // Decimals compare by value: "10.00" stored, "10" given again is no change.
    assert.equal((await data(upsertProjects, { inputs: [{ externalRef: { system: 'harvest', id: 'UP-1' }, budgetHours: '10.0' }] })).upsertProjects[0].outcome, 'UNCHANGED');
    const moved = (await data(upsertProjects, { inputs: [{ externalRef: { system: 'harvest', id: 'UP-1' }, customerId: 'another' }] })).upsertProjects[0];
    assert.equal(moved.outcome, 'REFUSED');
    assert.equal(moved.error.field, 'customerId');

    // Assignments publish psa.assignment.changed on create and on change, never when nothing changes.
    const projectId = created[0].project.id;
    const assignment = { externalRef: { system: 'harvest', id: 'UP-A1' }, projectRef: { system: 'harvest', id: 'UP-1' }, workerId: workers[0].id, roleId: workers[0].role.id, startDate: '2026-03-01', endDate: '2026-03-31', plannedHours: '40' };
    const events = () => outboxRows('psa.assignment.changed', projectId);
    assert.equal((await data(upsertAssignments, { inputs: [assignment] })).upsertAssignments[0].outcome, 'CREATED');
    assert.equal(await events(), 1);
    psa().statements.reset();
    const same = (await data(upsertAssignments, { inputs: [assignment] })).upsertAssignments[0];
    assert.equal(same.outcome, 'UNCHANGED');
    assert.deepEqual(writes(), []);
    assert.equal(await events(), 1);
    const longer = (await data(upsertAssignments, { inputs: [{ ...assignment, endDate: '2026-04-30', plannedHours: '80.00' }] })).upsertAssignments[0];
    assert.equal(longer.outcome, 'UPDATED');
    assert.equal(longer.assignment.endDate, '2026-04-30');
    assert.equal(await events(), 2);
    const otherWorker = (await data(upsertAssignments, { inputs: [{ ...assignment, workerId: workers[1].id }] })).upsertAssignments[0];
    assert.equal(otherWorker.outcome, 'REFUSED');
    assert.equal(otherWorker.error.field, 'workerId');
    assert.equal(await events(), 2);

    // Milestones: created, then cancelled, then the same again.
    const milestone = { externalRef: { system: 'harvest', id: 'UP-M1' }, projectId, name: 'Go-live', amount: '5000', dueDate: '2026-06-30' };
    assert.equal((await data(upsertMilestones, { inputs: [milestone] })).upsertMilestones[0].outcome, 'CREATED');
    assert.equal((await data(upsertMilestones, { inputs: [milestone] })).upsertMilestones[0].outcome, 'UNCHANGED');
    const cancelled = (await data(upsertMilestones, { inputs: [{ ...milestone, status: 'CANCELLED' }] })).upsertMilestones[0];
    assert.equal(cancelled.outcome, 'UPDATED');
    assert.equal(cancelled.milestone.status, 'CANCELLED');
    assert.equal((await data(upsertMilestones, { inputs: [{ ...milestone, status: 'CANCELLED' }] })).upsertMilestones[0].outcome, 'UNCHANGED');
  });

  it('refuses one input with its code while the others land, and later inputs see earlier ones', async () => {
    const project = (await data(upsertProjects, { inputs: [{ externalRef: { system: 'kimai', id: 'MIX' }, ...newProject('MIX') }] })).upsertProjects[0].project;
    const results = (await data(upsertTasks, {
      inputs: [
        { externalRef: { system: 'kimai', id: 'MIX-T1' }, projectRef: { system: 'kimai', id: 'MIX' }, wbs: '1', name: 'Parent' },
        { externalRef: { system: 'kimai', id: 'MIX-T2' }, projectId: project.id, wbs: '2' },
        { externalRef: { system: 'kimai', id: 'MIX-T3' }, projectId: project.id, wbs: '1.1', name: 'Child', parentRef: { system: 'kimai', id: 'MIX-T1' }, status: 'CLOSED' },
        { externalRef: { system: 'kimai', id: 'MIX-T4' }, projectId: project.id, wbs: '1', name: 'Same number' },
      ],
    })).upsertTasks;
    assert.deepEqual(results.map((r: any) => r.outcome), ['CREATED', 'REFUSED', 'CREATED', 'REFUSED']);
    assert.deepEqual(results[1].error, { code: 'BAD_USER_INPUT', field: 'name' });
    assert.equal(results[1].task, null);
    assert.equal(results[3].error.code, 'CONFLICT');
    assert.equal(results[2].task.parent.id, results[0].task.id);
    assert.equal(results[2].task.status, 'CLOSED');
    const left = await data(`{ t2: task(externalRef: { system: "kimai", id: "MIX-T2" }) { id } t4: task(externalRef: { system: "kimai", id: "MIX-T4" }) { id }
      project(externalRef: { system: "kimai", id: "MIX" }) { tasks { nodes { wbs } } } }`);
    assert.equal(left.t2, null, 'the refused input wrote nothing, not even its reference');
    assert.equal(left.t4, null);
    assert.deepEqual(left.project.tasks.nodes.map((t: any) => t.wbs), ['1', '1.1']);
  });

  it('refuses more than 1,000 inputs in one call, writing nothing', async () => {
    const inputs = Array.from({ length: 1001 }, (_, index) => ({ externalRef: { system: 'bulk', id: String(index) }, ...newProject(`BULK-${index}`) }));
    assert.equal(await errorCode(upsertProjects, { inputs }), 'BAD_USER_INPUT');
    assert.equal((await data(`{ projects(filter: { externalSystem: "bulk" }) { totalCount } }`)).projects.totalCount, 0);
  });

  it('replays a call with the same idempotency key and refuses the key for another call', async () => {
    const inputs = [{ externalRef: { system: 'idem', id: 'I-1' }, ...newProject('IDEM-1') }];
    const first = (await data(upsertProjects, { inputs, key: 'import-chunk-1' })).upsertProjects;
    const replay = (await data(upsertProjects, { inputs, key: 'import-chunk-1' })).upsertProjects;
    assert.deepEqual(replay, first, 'the first answer again: CREATED, the same project');
    assert.equal((await data(`{ projects(filter: { externalSystem: "idem" }) { totalCount } }`)).projects.totalCount, 1);
    const other = [{ externalRef: { system: 'idem', id: 'I-2' }, ...newProject('IDEM-2') }];
    assert.equal(await errorCode(upsertProjects, { inputs: other, key: 'import-chunk-1' }), 'IDEMPOTENCY_KEY_REUSED');
  });

  it('lets only the roles of the create mutations upsert', async () => {
    const inputs = [{ externalRef: { system: 'roles', id: 'R-1' }, ...newProject('ROLES-1') }];
    assert.equal(await errorCode(upsertProjects, { inputs }, ['WORKER']), 'FORBIDDEN');
    assert.equal(await errorCode(upsertProjects, { inputs }, ['RESOURCE_MANAGER']), 'FORBIDDEN');
    const assignment = [{ externalRef: { system: 'roles', id: 'A-1' }, projectId: 'p', workerId: 'w', roleId: 'r', startDate: '2026-01-01', endDate: '2026-01-02' }];
    assert.equal(await errorCode(upsertAssignments, { inputs: assignment }, ['WORKER']), 'FORBIDDEN');
    assert.equal(await errorCode(upsertTasks, { inputs: [{ externalRef: { system: 'roles', id: 'T-1' } }] }, ['WORKER']), 'FORBIDDEN');
    assert.equal(await errorCode(upsertMilestones, { inputs: [{ externalRef: { system: 'roles', id: 'M-1' } }] }, ['WORKER']), 'FORBIDDEN');
    const manager = (await data(upsertProjects, { inputs }, ['MANAGER'])).upsertProjects[0];
    assert.equal(manager.outcome, 'CREATED');
    const staffed = (await data(upsertAssignments, { inputs: [{ ...assignment[0], projectId: manager.project.id, workerId: workers[0].id, roleId: workers[0].role.id }] }, ['RESOURCE_MANAGER'])).upsertAssignments[0];
    assert.equal(staffed.outcome, 'CREATED', JSON.stringify(staffed.error));
  });

  it('reads externalRefs of a list with the same statements for 5 and for 25 projects', async () => {
    const inputs = Array.from({ length: 25 }, (_, index) => ({ externalRef: { system: 'nplus', id: `N-${index}` }, ...newProject(`NPLUS-${String(index).padStart(2, '0')}`) }));
    assert.ok((await data(upsertProjects, { inputs })).upsertProjects.every((r: any) => r.outcome === 'CREATED'));
    const ids = (await data(`{ projects(first: 25, filter: { externalSystem: "nplus" }) { nodes { id } } }`)).projects.nodes.map((p: any) => p.id);
    await data(upsertTasks, { inputs: ids.map((projectId: string, index: number) => ({ externalRef: { system: 'nplus', id: `NT-${index}` }, projectId, wbs: '1', name: 'Work' })) });
    await data(upsertMilestones, { inputs: ids.map((projectId: string, index: number) => ({ externalRef: { system: 'nplus', id: `NM-${index}` }, projectId, name: 'Done', amount: '10', dueDate: '2026-05-01' })) });
    await data(upsertAssignments, {
      inputs: ids.map((projectId: string, index: number) => ({ externalRef: { system: 'nplus', id: `NA-${index}` }, projectId, workerId: workers[0].id, roleId: workers[0].role.id, startDate: '2026-02-01', endDate: '2026-02-28' })),
    });
    const statements = async (n: number) => {
      psa().statements.reset();
      const projects = (await data(`query($n: Int!) { projects(first: $n, filter: { externalSystem: "nplus" }) { nodes {
        externalRefs { system id }
        tasks { nodes { externalRefs { id } } }
        milestones { nodes { externalRefs { id } } }
        assignments { nodes { externalRefs { id } } }
      } } }`, { n })).projects.nodes;
      assert.equal(projects.length, n);
      assert.ok(projects.every((p: any) => p.externalRefs.length === 1 && p.tasks.nodes[0].externalRefs.length === 1 && p.assignments.nodes[0].externalRefs.length === 1));
      return psa().statements.total;
    };
    assert.equal(await statements(25), await statements(5));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../lib/auth/identity.ts';
import { MAX_UPSERT_BATCH } from '../../lib/upsert.ts';
import type { HcmDatabase } from '../../subgraphs/hcm/tables.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * Issue 17 part 1 for hcm, as an HR system's import sees it through the gateway: workers, roles, cost centers and
 * legal entities carry ids of other systems, are found and filtered by them, are named by them in inputs, and are
 * loaded in bulk by `upsert*` (created, patched, or left UNCHANGED with nothing written or published).
 */
describe('hcm external references and upserts through the gateway', () => {
  let graph: HubHarness;
  let calendarId: string;
  const hcmDb = () => graph.hub.subgraphs.hcm.database as unknown as {
    db: import('kysely').Kysely<HcmDatabase>;
    statements: { total: number; recent: string[]; reset(): void };
  };

  before(async () => {
    graph = await startTestHub();
    const calendar = await ok(`mutation { createWorkCalendar(input: { name: "Full time", hoursPerDay: "8", workingDays: [1, 2, 3, 4, 5] }) { id } }`);
    calendarId = calendar.createWorkCalendar.id;
  });
  after(() => graph.close());

  async function ok(query: string, variables: Record<string, unknown> = {}, as?: { roles?: readonly Role[]; workerId?: string | null }) {
    return dataOf(await graph.query(query, variables, as));
  }

  /** The error codes of a request that must fail. */
  async function refused(query: string, variables: Record<string, unknown> = {}, as?: { roles?: readonly Role[] }) {
    const result = await graph.query(query, variables, as);
    assert.ok(result.errors?.length, `expected an error, got ${JSON.stringify(result.data)}`);
    return result.errors!.map((error) => error.extensions?.code);
  }

  const outboxRows = async () => Number((await hcmDb().db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const refRows = async () => Number((await hcmDb().db.selectFrom('external_ref').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  /** The statements hcm runs for `work` that write (the upsert's savepoints aside). */
  async function writesDuring(work: () => Promise<unknown>) {
    await graph.hub.settle();
    hcmDb().statements.reset();
    await work();
    assert.ok(hcmDb().statements.total > 0, 'hcm was asked');
    return hcmDb().statements.recent.filter((statement) => /^\s*(insert|update|delete)\b/i.test(statement));
  }

  const workerFields = `id name employeeNumber externalRefs { system id } role { id } manager { id } costCenter { id } legalEntity { id } updatedAt`;
  const upsertWorkers = `mutation($inputs: [WorkerUpsertInput!]!, $key: String) {
    upsertWorkers(inputs: $inputs, idempotencyKey: $key) { index outcome error { code field message } worker { ${workerFields} skills { skill level } } }
  }`;
  const upsertRoles = `mutation($inputs: [RoleUpsertInput!]!, $key: String) {
    upsertRoles(inputs: $inputs, idempotencyKey: $key) { index outcome error { code field } role { id code name targetUtilization externalRefs { system id } } }
  }`;
  const upsertLegalEntities = `mutation($inputs: [LegalEntityUpsertInput!]!) {
    upsertLegalEntities(inputs: $inputs) { index outcome error { code field } legalEntity { id code name currency externalRefs { system id } } }
  }`;
  const upsertCostCenters = `mutation($inputs: [CostCenterUpsertInput!]!) {
    upsertCostCenters(inputs: $inputs) { index outcome error { code field } costCenter { id code name legalEntity { id } externalRefs { system id } } }
  }`;

  /** A legal entity, cost center and role of the HR system `system`, created by upsert under the prefix `p`. */
  async function org(p: string, system = 'workday') {
    const [entity] = (await ok(upsertLegalEntities, { inputs: [{ externalRef: { system, id: `${p}-LE` }, code: `${p}LE`, name: `${p} GmbH`, country: 'DE', currency: 'EUR' }] })).upsertLegalEntities;
    const [center] = (await ok(upsertCostCenters, { inputs: [{ externalRef: { system, id: `${p}-CC` }, code: `${p}CC`, name: `${p} Delivery`, legalEntityRef: { system, id: `${p}-LE` } }] })).upsertCostCenters;
    const [role] = (await ok(upsertRoles, { inputs: [{ externalRef: { system, id: `${p}-R` }, code: `${p}R`, name: `${p} Consultant`, targetUtilization: '75' }] })).upsertRoles;
    for (const result of [entity, center, role]) assert.equal(result.outcome, 'CREATED', JSON.stringify(result));
    return { legalEntityId: entity.legalEntity.id, costCenterId: center.costCenter.id, roleId: role.role.id };
  }

  /** A new worker's upsert input, its records named by reference. */
  const workerInput = (p: string, n: number, system = 'workday') => ({
    externalRef: { system, id: `${p}-W${n}` },
    employeeNumber: `${p}-${n}`,
    name: `${p} Worker ${n}`,
    email: `${p.toLowerCase()}.${n}@example.com`,
    kind: 'EMPLOYEE',
    roleRef: { system, id: `${p}-R` },
    costCenterRef: { system, id: `${p}-CC` },
    legalEntityRef: { system, id: `${p}-LE` },
    location: 'Berlin',
    calendarId,
    hireDate: '2024-01-01',
  });

  it('creates records with references, names records by reference in inputs, and finds them by reference', async () => {
    const entity = (await ok(`mutation { createLegalEntity(input: { code: "ACME", name: "Acme GmbH", country: "DE", currency: "EUR",
      externalRefs: [{ system: "sap", id: "1000" }, { system: "workday", id: "LE-ACME" }] }) { id externalRefs { system id } } }`)).createLegalEntity;
    assert.deepEqual(entity.externalRefs, [{ system: 'sap', id: '1000' }, { system: 'workday', id: 'LE-ACME' }]);
    const center = (await ok(`mutation { createCostCenter(input: { code: "DEL", name: "Delivery", legalEntityRef: { system: "sap", id: "1000" },
      externalRefs: [{ system: "sap", id: "CC-4711" }] }) { id legalEntity { id } } }`)).createCostCenter;
    assert.equal(center.legalEntity.id, entity.id);
    const role = (await ok(`mutation { createRole(input: { code: "CONS", name: "Consultant", targetUtilization: "80",
      externalRefs: [{ system: "workday", id: "JOB-7" }] }) { id } }`)).createRole;
    const worker = (await ok(`mutation($input: CreateWorkerInput!) { createWorker(input: $input) { ${workerFields} } }`, {
      input: {
        employeeNumber: 'A-1', name: 'Ada Lovelace', email: 'ada@example.com', kind: 'EMPLOYEE', location: 'Berlin', calendarId, hireDate: '2024-01-01',
        roleRef: { system: 'workday', id: 'JOB-7' }, costCenterRef: { system: 'sap', id: 'CC-4711' }, legalEntityRef: { system: 'workday', id: 'LE-ACME' },
        externalRefs: [{ system: 'workday', id: 'EMP-1' }],
      },
    })).createWorker;
    assert.deepEqual([worker.role.id, worker.costCenter.id, worker.legalEntity.id], [role.id, center.id, entity.id]);
    const report = (await ok(`mutation($input: CreateWorkerInput!) { createWorker(input: $input) { id manager { id } } }`, {
      input: {
        employeeNumber: 'A-2', name: 'Bob Babbage', email: 'bob@example.com', kind: 'CONTRACTOR', location: 'Berlin', calendarId, hireDate: '2024-01-01',
        roleId: role.id, costCenterId: center.id, legalEntityId: entity.id, managerRef: { system: 'workday', id: 'EMP-1' },
      },
    })).createWorker;
    assert.equal(report.manager.id, worker.id);

    const found = await ok(`{
      worker(externalRef: { system: "workday", id: " EMP-1 " }) { id }
      role(externalRef: { system: "workday", id: "JOB-7" }) { id }
      costCenter(externalRef: { system: "sap", id: "CC-4711" }) { id }
      legalEntity(externalRef: { system: "sap", id: "1000" }) { id }
      byId: worker(id: "${worker.id}") { id externalRefs { system id } }
      unknown: worker(externalRef: { system: "workday", id: "EMP-404" }) { id }
      otherKind: role(externalRef: { system: "workday", id: "EMP-1" }) { id }
    }`);
    assert.deepEqual(
      [found.worker.id, found.role.id, found.costCenter.id, found.legalEntity.id, found.byId.id],
      [worker.id, role.id, center.id, entity.id, worker.id],
    );
    assert.deepEqual(found.byId.externalRefs, [{ system: 'workday', id: 'EMP-1' }]);
    assert.equal(found.unknown, null, 'an unknown reference answers like an unknown id');
    assert.equal(found.otherKind, null, 'references are per kind of record');

    assert.deepEqual(await refused(`{ worker(id: "${worker.id}", externalRef: { system: "workday", id: "EMP-1" }) { id } }`), ['BAD_USER_INPUT']);
    assert.deepEqual(await refused(`{ worker { id } }`), ['BAD_USER_INPUT']);
    assert.deepEqual(await refused(`{ worker(externalRef: { system: "no spaces", id: "1" }) { id } }`), ['BAD_USER_INPUT']);
    const both = await graph.query(`mutation { createCostCenter(input: { code: "X", name: "X", legalEntityId: "${entity.id}", legalEntityRef: { system: "sap", id: "1000" } }) { id } }`);
    assert.equal(both.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const dangling = await graph.query(`mutation { createCostCenter(input: { code: "X", name: "X", legalEntityRef: { system: "sap", id: "9999" } }) { id } }`);
    assert.equal(dangling.errors?.[0].extensions?.code, 'NOT_FOUND');

    const leave = (await ok(`mutation { createLeave(input: { workerRef: { system: "workday", id: "EMP-1" }, type: VACATION, startDate: "2027-03-01", endDate: "2027-03-02" }) { worker { id } } }`)).createLeave;
    assert.equal(leave.worker.id, worker.id);
  });

  it('filters every list by reference and by system', async () => {
    const { roleId } = await org('FLT', 'bamboo');
    const [one, two] = (await ok(upsertWorkers, { inputs: [workerInput('FLT', 1, 'bamboo'), workerInput('FLT', 2, 'bamboo')] })).upsertWorkers;
    const lists = await ok(`{
      byRef: workers(filter: { externalRefs: [{ system: "bamboo", id: "FLT-W2" }, { system: "bamboo", id: "nobody" }] }) { nodes { id } }
      bySystem: workers(filter: { externalSystem: "bamboo" }) { totalCount nodes { id } }
      both: workers(filter: { externalSystem: "bamboo", search: "Worker 1" }) { nodes { id } }
      none: workers(filter: { externalRefs: [] }) { totalCount }
      roles(filter: { externalRefs: [{ system: "bamboo", id: "FLT-R" }] }) { nodes { id } }
      rolesOfSystem: roles(filter: { externalSystem: "bamboo" }) { nodes { id } }
      costCenters(filter: { externalSystem: "bamboo" }) { nodes { code } }
      legalEntities(filter: { externalRefs: [{ system: "bamboo", id: "FLT-LE" }] }) { nodes { code } }
      otherSystem: legalEntities(filter: { externalSystem: "nosuch" }) { totalCount }
    }`);
    assert.deepEqual(lists.byRef.nodes.map((w: { id: string }) => w.id), [two.worker.id]);
    assert.deepEqual(lists.bySystem.nodes.map((w: { id: string }) => w.id).sort(), [one.worker.id, two.worker.id].sort());
    assert.equal(lists.bySystem.totalCount, 2);
    assert.deepEqual(lists.both.nodes.map((w: { id: string }) => w.id), [one.worker.id]);
    assert.equal(lists.none.totalCount, 0);
    assert.deepEqual(lists.roles.nodes.map((r: { id: string }) => r.id), [roleId]);
    assert.deepEqual(lists.rolesOfSystem.nodes.map((r: { id: string }) => r.id), [roleId]);
    assert.deepEqual(lists.costCenters.nodes.map((c: { code: string }) => c.code), ['FLTCC']);
    assert.deepEqual(lists.legalEntities.nodes.map((e: { code: string }) => e.code), ['FLTLE']);
    assert.equal(lists.otherSystem.totalCount, 0);
  });

  it('keeps a reference unique per system and a record to one id per system (CONFLICT), and replaces refs on update', async () => {
    await org('CNF');
    const [first] = (await ok(upsertWorkers, { inputs: [workerInput('CNF', 1)] })).upsertWorkers;
    const taken = await graph.query(`mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`, {
      input: { code: 'CNF-OTHER', name: 'Other', targetUtilization: '50', externalRefs: [{ system: 'workday', id: 'CNF-R' }] },
    });
    assert.equal(taken.errors?.[0].extensions?.code, 'CONFLICT');
    assert.equal((await ok(`{ roles(filter: { search: "CNF-OTHER" }) { totalCount } }`)).roles.totalCount, 0, 'the refused create wrote nothing');

    const second = (await ok(upsertWorkers, { inputs: [workerInput('CNF', 2)] })).upsertWorkers[0].worker;
    const clash = await graph.query(`mutation($id: ID!) { updateWorker(id: $id, input: { externalRefs: [{ system: "workday", id: "CNF-W1" }] }) { id } }`, { id: second.id });
    assert.equal(clash.errors?.[0].extensions?.code, 'CONFLICT');
    const twice = await graph.query(`mutation($id: ID!) { updateWorker(id: $id, input: { externalRefs: [{ system: "sap", id: "1" }, { system: "sap", id: "2" }] }) { id } }`, { id: second.id });
    assert.equal(twice.errors?.[0].extensions?.code, 'BAD_USER_INPUT');

    const replaced = (await ok(`mutation($id: ID!) { updateWorker(id: $id, input: { externalRefs: [{ system: "workday", id: "CNF-W2-NEW" }, { system: "payroll", id: "P-2" }] }) { externalRefs { system id } updatedAt } }`, { id: second.id })).updateWorker;
    assert.deepEqual(replaced.externalRefs, [{ system: 'payroll', id: 'P-2' }, { system: 'workday', id: 'CNF-W2-NEW' }]);
    assert.ok(replaced.updatedAt > second.updatedAt, 'a change of references moves updatedAt');
    assert.equal((await ok(`{ worker(externalRef: { system: "workday", id: "CNF-W2" }) { id } }`)).worker, null, 'the old reference is gone');

    // Upserting the first worker's reference onto the second (an import matching by name) is CONFLICT: it is held.
    const [moved] = (await ok(upsertWorkers, { inputs: [{ externalRef: { system: 'workday', id: 'CNF-W1' }, id: second.id }] })).upsertWorkers;
    assert.deepEqual([moved.outcome, moved.error.code], ['REFUSED', 'CONFLICT']);
    // … and giving the second another workday id, while it has one, is CONFLICT too.
    const [other] = (await ok(upsertWorkers, { inputs: [{ externalRef: { system: 'workday', id: 'CNF-W2-OTHER' }, id: second.id }] })).upsertWorkers;
    assert.deepEqual([other.outcome, other.error.code], ['REFUSED', 'CONFLICT']);
    assert.equal(first.worker.externalRefs[0].id, 'CNF-W1');
  });

  it('upserts create, then update, then leave the record UNCHANGED with nothing written or published', async () => {
    await org('UPS');
    const input = { ...workerInput('UPS', 1), skills: [{ skill: 'TypeScript', level: 4 }, { skill: 'Go', level: 2 }] };
    const outboxBefore = await outboxRows();
    const [created] = (await ok(upsertWorkers, { inputs: [input] })).upsertWorkers;
    assert.equal(created.outcome, 'CREATED');
    assert.deepEqual(created.worker.externalRefs, [{ system: 'workday', id: 'UPS-W1' }]);
    assert.deepEqual(created.worker.skills.map((s: { skill: string }) => s.skill).sort(), ['Go', 'TypeScript']);
    assert.equal(await outboxRows(), outboxBefore + 1, 'hcm.worker.created');

    const renamed = { ...input, name: 'UPS Worker One', skills: [{ skill: 'Go', level: 2 }, { skill: 'TypeScript', level: 4 }] };
    const [updated] = (await ok(upsertWorkers, { inputs: [renamed] })).upsertWorkers;
    assert.deepEqual([updated.outcome, updated.worker.id, updated.worker.name], ['UPDATED', created.worker.id, 'UPS Worker One']);
    assert.ok(updated.worker.updatedAt > created.worker.updatedAt);
    const events = await hcmDb().db.selectFrom('outbox').select(['type', 'data']).orderBy('seq', 'desc').limit(1).execute();
    assert.equal(events[0].type, 'hcm.worker.changed');
    assert.deepEqual((events[0].data as { changedFields: string[] }).changedFields, ['name'], 'skills in another order are the same skills');

    let again: any;
    const writes = await writesDuring(async () => {
      again = (await ok(upsertWorkers, { inputs: [renamed, renamed] })).upsertWorkers;
    });
    assert.deepEqual(again.map((r: { outcome: string }) => r.outcome), ['UNCHANGED', 'UNCHANGED']);
    assert.deepEqual(writes, [], 'an unchanged input writes nothing');
    assert.equal(again[0].worker.updatedAt, updated.worker.updatedAt);
    assert.equal(await outboxRows(), outboxBefore + 2, 'and publishes nothing');

    // A patch of an existing worker needs only the fields that change; a new one needs what createWorker requires.
    const [patched, incomplete] = (await ok(upsertWorkers, {
      inputs: [
        { externalRef: { system: 'workday', id: 'UPS-W1' }, location: 'Hamburg' },
        { externalRef: { system: 'workday', id: 'UPS-W2' }, name: 'Nobody' },
      ],
    })).upsertWorkers;
    assert.equal(patched.outcome, 'UPDATED');
    assert.deepEqual([incomplete.outcome, incomplete.error.code, incomplete.error.field, incomplete.worker], ['REFUSED', 'BAD_USER_INPUT', 'employeeNumber', null]);

    // Roles, cost centers and legal entities the same way; a legal entity's code does not change.
    const roleInput = { externalRef: { system: 'workday', id: 'UPS-R' }, name: 'UPS Senior', targetUtilization: '80.0' };
    const [role] = (await ok(upsertRoles, { inputs: [roleInput] })).upsertRoles;
    assert.deepEqual([role.outcome, role.role.targetUtilization], ['UPDATED', '80.00']);
    const roleWrites = await writesDuring(async () => assert.equal((await ok(upsertRoles, { inputs: [{ ...roleInput, targetUtilization: '80' }] })).upsertRoles[0].outcome, 'UNCHANGED'));
    assert.deepEqual(roleWrites, []);
    const [center] = (await ok(upsertCostCenters, { inputs: [{ externalRef: { system: 'workday', id: 'UPS-CC' }, code: 'UPSCC', name: 'UPS Delivery', legalEntityRef: { system: 'workday', id: 'UPS-LE' } }] })).upsertCostCenters;
    assert.equal(center.outcome, 'UNCHANGED');
    const [code] = (await ok(upsertLegalEntities, { inputs: [{ externalRef: { system: 'workday', id: 'UPS-LE' }, code: 'UPSX' }] })).upsertLegalEntities;
    assert.deepEqual([code.outcome, code.error.code, code.error.field], ['REFUSED', 'BAD_USER_INPUT', 'code']);
    const entityEvents = await outboxRows();
    const [entity] = (await ok(upsertLegalEntities, { inputs: [{ externalRef: { system: 'workday', id: 'UPS-LE' }, name: 'UPS AG' }] })).upsertLegalEntities;
    assert.deepEqual([entity.outcome, entity.legalEntity.name], ['UPDATED', 'UPS AG']);
    assert.equal(await outboxRows(), entityEvents + 1, 'hcm.legal_entity.changed, as updateLegalEntity publishes');
  });

  it('gives an existing record the reference (an import matching by name): UPDATED, then UNCHANGED', async () => {
    await org('MAT');
    const [unknownRole] = (await ok(upsertWorkers, { inputs: [workerInput('MAT', 1, 'legacy')] })).upsertWorkers;
    assert.deepEqual([unknownRole.outcome, unknownRole.error.code, unknownRole.error.field], ['REFUSED', 'NOT_FOUND', null]);
    const [created] = (await ok(upsertWorkers, { inputs: [workerInput('MAT', 1)] })).upsertWorkers;
    const attach = { externalRef: { system: 'harvest', id: '7001' }, id: created.worker.id, name: created.worker.name };
    const [matched] = (await ok(upsertWorkers, { inputs: [attach] })).upsertWorkers;
    assert.deepEqual([matched.outcome, matched.worker.id], ['UPDATED', created.worker.id]);
    assert.deepEqual(matched.worker.externalRefs, [{ system: 'harvest', id: '7001' }, { system: 'workday', id: 'MAT-W1' }]);
    const [again] = (await ok(upsertWorkers, { inputs: [attach] })).upsertWorkers;
    assert.equal(again.outcome, 'UNCHANGED');
    const [missing] = (await ok(upsertWorkers, { inputs: [{ ...attach, externalRef: { system: 'harvest', id: '7002' }, id: '00000000-0000-4000-8000-000000000000' }] })).upsertWorkers;
    assert.deepEqual([missing.outcome, missing.error.code], ['REFUSED', 'NOT_FOUND']);
  });

  it('applies the good inputs beside a refused one, which writes nothing; later inputs see earlier ones', async () => {
    await org('MIX');
    const outboxBefore = await outboxRows();
    const refsBefore = await refRows();
    const results = (await ok(upsertWorkers, {
      inputs: [
        { ...workerInput('MIX', 1) },
        // The manager is the worker of the input before: created in this batch, named by reference.
        { ...workerInput('MIX', 2), managerRef: { system: 'workday', id: 'MIX-W1' } },
        { ...workerInput('MIX', 3), employeeNumber: 'MIX-1' },
        { ...workerInput('MIX', 4), roleRef: { system: 'workday', id: 'no-such-role' } },
        { ...workerInput('MIX', 5), email: 'not an email' },
        { ...workerInput('MIX', 6), roleId: 'x', roleRef: { system: 'workday', id: 'MIX-R' } },
        { ...workerInput('MIX', 7) },
      ],
    })).upsertWorkers;
    assert.deepEqual(
      results.map((r: any) => [r.index, r.outcome, r.error?.code ?? null]),
      [[0, 'CREATED', null], [1, 'CREATED', null], [2, 'REFUSED', 'CONFLICT'], [3, 'REFUSED', 'NOT_FOUND'], [4, 'REFUSED', 'BAD_USER_INPUT'], [5, 'REFUSED', 'BAD_USER_INPUT'], [6, 'CREATED', null]],
    );
    assert.equal(results[1].worker.manager.id, results[0].worker.id);
    for (const refused of results.filter((r: any) => r.outcome === 'REFUSED')) assert.equal(refused.worker, null);
    assert.equal(await outboxRows(), outboxBefore + 3, 'one hcm.worker.created per created worker, none for the refused');
    assert.equal(await refRows(), refsBefore + 3, 'the refused inputs left no reference behind');
    const listed = await ok(`{ workers(filter: { search: "MIX Worker" }) { nodes { employeeNumber } } }`);
    assert.deepEqual(listed.workers.nodes.map((w: { employeeNumber: string }) => w.employeeNumber).sort(), ['MIX-1', 'MIX-2', 'MIX-7']);
  });

  it(`refuses more than ${MAX_UPSERT_BATCH} inputs, and an empty batch, writing nothing`, async () => {
    const inputs = Array.from({ length: MAX_UPSERT_BATCH + 1 }, (_, i) => ({ externalRef: { system: 'big', id: String(i) }, code: `BIG${i}`, name: 'Big', targetUtilization: '50' }));
    assert.deepEqual(await refused(upsertRoles, { inputs }), ['BAD_USER_INPUT']);
    assert.deepEqual(await refused(upsertRoles, { inputs: [] }), ['BAD_USER_INPUT']);
    assert.equal((await ok(`{ roles(filter: { externalSystem: "big" }) { totalCount } }`)).roles.totalCount, 0);
  });

  it('replays an idempotency key with the first answer, and refuses the key for another batch', async () => {
    const inputs = [{ externalRef: { system: 'idem', id: 'R1' }, code: 'IDEM1', name: 'Idempotent', targetUtilization: '60' }];
    const first = (await ok(upsertRoles, { inputs, key: 'roles-batch-1' })).upsertRoles;
    const outboxBefore = await outboxRows();
    const writes = await writesDuring(async () => {
      const replay = (await ok(upsertRoles, { inputs, key: 'roles-batch-1' })).upsertRoles;
      assert.deepEqual(replay, first, 'the first answer again: CREATED, not UNCHANGED');
    });
    assert.deepEqual(writes, []);
    assert.equal(await outboxRows(), outboxBefore);
    assert.deepEqual(await refused(upsertRoles, { inputs: [{ ...inputs[0], name: 'Other' }], key: 'roles-batch-1' }), ['IDEMPOTENCY_KEY_REUSED']);
  });

  it('lets only ADMIN upsert, as only ADMIN creates', async () => {
    const input = { externalRef: { system: 'roles', id: 'R' }, code: 'ROLESR', name: 'Roles', targetUtilization: '60' };
    for (const roles of [['WORKER'], ['MANAGER'], ['FINANCE'], ['RESOURCE_MANAGER']] as Role[][]) {
      assert.deepEqual(await refused(upsertRoles, { inputs: [input] }, { roles }), ['FORBIDDEN'], roles.join());
      assert.deepEqual(await refused(upsertWorkers, { inputs: [workerInput('ROLES', 1)] }, { roles }), ['FORBIDDEN'], roles.join());
    }
    assert.deepEqual(await refused(upsertLegalEntities, { inputs: [{ externalRef: input.externalRef }] }, { roles: ['WORKER'] }), ['FORBIDDEN']);
    assert.deepEqual(await refused(upsertCostCenters, { inputs: [{ externalRef: input.externalRef }] }, { roles: ['WORKER'] }), ['FORBIDDEN']);
    assert.equal((await ok(`{ roles(filter: { externalSystem: "roles" }) { totalCount } }`)).roles.totalCount, 0);
  });

  it('reads externalRefs of a list in the same statements for 5 and for 40 workers (no N+1)', async () => {
    await org('NPO');
    const inputs = Array.from({ length: 40 }, (_, i) => ({ ...workerInput('NPO', i), managerRef: i === 0 ? null : { system: 'workday', id: 'NPO-W0' } }));
    const created = (await ok(upsertWorkers, { inputs })).upsertWorkers;
    assert.ok(created.every((r: { outcome: string }) => r.outcome === 'CREATED'));
    await ok(`mutation { upsertCostCenters(inputs: [{ externalRef: { system: "sap", id: "NPO" }, id: "${created[0].worker.costCenter.id}" }]) { outcome } }`);
    const query = `query($n: Int!) { workers(first: $n, filter: { externalSystem: "workday", search: "NPO" }) { nodes {
      externalRefs { system id } role { externalRefs { id } } costCenter { externalRefs { system id } legalEntity { externalRefs { id } } }
      legalEntity { externalRefs { id } } manager { externalRefs { id } }
    } } }`;
    async function statements(n: number) {
      await graph.hub.settle();
      hcmDb().statements.reset();
      const data = await ok(query, { n });
      assert.equal(data.workers.nodes.length, n);
      assert.ok(data.workers.nodes.every((w: any) => w.externalRefs.length === 1 && w.costCenter.externalRefs.length === 2));
      return hcmDb().statements.total;
    }
    const [forty, five] = [await statements(40), await statements(5)];
    assert.ok(five > 0);
    assert.equal(forty, five);
  });
});

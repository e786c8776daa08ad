import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as announceExisting from '../../../subgraphs/hcm/migrations/2026-12-03T1000-announce-legal-entities.ts';
import { hcmSubgraph, hcmTopics, type HcmDatabase } from '../../../subgraphs/hcm/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { createOrg, fixedClock, ok, tableCounts, type Org } from './fixtures.ts';

describe('hcm master data', () => {
  let hcm: SubgraphHarness<HcmDatabase>;
  let acme: Org;
  let globex: Org;

  before(async () => {
    hcm = await startSubgraph(hcmSubgraph, { clock: fixedClock });
    acme = await createOrg(hcm, 'ACME', 'EUR');
    globex = await createOrg(hcm, 'GLOBEX', 'GBP');
  });
  after(() => hcm.close());

  it('lists legal entities, cost centers, roles and calendars with their filters', async () => {
    const data = await ok(
      hcm,
      `query($le: ID!) {
        legalEntities(filter: { currency: "GBP" }) { totalCount nodes { code country currency } }
        costCenters(filter: { legalEntityId: $le }) { nodes { code legalEntity { code } } }
        roles(filter: { search: "acme" }) { nodes { code name targetUtilization } }
        workCalendars(first: 1) { totalCount nodes { name hoursPerDay workingDays } pageInfo { hasNextPage } }
      }`,
      { le: globex.legalEntityId },
    );
    assert.deepEqual(data.legalEntities, { totalCount: 1, nodes: [{ code: 'GLOBEX', country: 'DE', currency: 'GBP' }] });
    assert.deepEqual(data.costCenters.nodes, [{ code: 'GLOBEX-DEL', legalEntity: { code: 'GLOBEX' } }]);
    assert.deepEqual(data.roles.nodes, [{ code: 'ACME-CONS', name: 'ACME Consultant', targetUtilization: '75.00' }]);
    assert.equal(data.workCalendars.totalCount, 2);
    assert.deepEqual(data.workCalendars.nodes, [{ name: 'ACME full time', hoursPerDay: '8.00', workingDays: [1, 2, 3, 4, 5] }]);
    assert.equal(data.workCalendars.pageInfo.hasNextPage, true);
  });

  it('updates master data', async () => {
    const data = await ok(
      hcm,
      `mutation($le: ID!, $cc: ID!, $role: ID!, $cal: ID!) {
        updateLegalEntity(id: $le, input: { name: "Acme AG", country: "CH" }) { name country currency }
        updateCostCenter(id: $cc, input: { name: "Consulting" }) { code name }
        updateRole(id: $role, input: { targetUtilization: "80.50" }) { targetUtilization }
        updateWorkCalendar(id: $cal, input: { workingDays: [5, 1, 2], hoursPerDay: "7.50" }) { workingDays hoursPerDay }
      }`,
      { le: acme.legalEntityId, cc: acme.costCenterId, role: acme.roleId, cal: acme.calendarId },
    );
    assert.deepEqual(data, {
      updateLegalEntity: { name: 'Acme AG', country: 'CH', currency: 'EUR' },
      updateCostCenter: { code: 'ACME-DEL', name: 'Consulting' },
      updateRole: { targetUtilization: '80.50' },
      updateWorkCalendar: { workingDays: [1, 2, 5], hoursPerDay: '7.50' },
    });
  });

  it('announces legal entities as created and after each change (erp keeps their currencies)', async () => {
    const events = await hcm.database.db
      .selectFrom('outbox')
      .select(['type', 'subject_typename', 'data'])
      .where('subject_id', '=', acme.legalEntityId)
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      events.map((event) => [event.type, event.subject_typename, event.data]),
      [
        [hcmTopics.legalEntityCreated, 'LegalEntity', { legalEntityId: acme.legalEntityId, code: 'ACME', name: 'ACME GmbH', country: 'DE', currency: 'EUR' }],
        [hcmTopics.legalEntityChanged, 'LegalEntity', { legalEntityId: acme.legalEntityId, code: 'ACME', name: 'Acme AG', country: 'CH', currency: 'EUR' }],
      ],
    );
  });

  it('announces the legal entities that existed before it announced them, once, on upgrade', async () => {
    const db = hcm.database.db;
    await db.deleteFrom('outbox').execute();
    await announceExisting.up(db);
    const events = await db.selectFrom('outbox').select(['type', 'subject_id', 'data']).orderBy('seq').execute();
    assert.deepEqual(
      events.map((event) => [event.type, event.subject_id, (event.data as { currency: string }).currency]),
      [[hcmTopics.legalEntityChanged, acme.legalEntityId, 'EUR'], [hcmTopics.legalEntityChanged, globex.legalEntityId, 'GBP']],
    );
  });

  it('adds and removes public holidays, refusing a second holiday on one date', async () => {
    const add = `mutation($id: ID!, $date: Date!, $name: String!) { addHoliday(calendarId: $id, date: $date, name: $name) { holidays { date name } } }`;
    await ok(hcm, add, { id: globex.calendarId, date: '2026-12-25', name: 'Christmas Day' });
    await ok(hcm, add, { id: globex.calendarId, date: '2026-01-01', name: "New Year's Day" });
    const again = await hcm.call(add, { id: globex.calendarId, date: '2026-12-25', name: 'Again' });
    assert.equal(again.errors?.[0].extensions?.code, 'CONFLICT');
    const ranged = await ok(hcm, `query($id: ID!) { workCalendar(id: $id) { all: holidays { date } december: holidays(from: "2026-12-01", to: "2026-12-31") { name } } }`, {
      id: globex.calendarId,
    });
    assert.deepEqual(ranged.workCalendar.all, [{ date: '2026-01-01' }, { date: '2026-12-25' }]);
    assert.deepEqual(ranged.workCalendar.december, [{ name: 'Christmas Day' }]);
    const remove = `mutation($id: ID!, $date: Date!) { removeHoliday(calendarId: $id, date: $date) { holidays { date } } }`;
    assert.deepEqual((await ok(hcm, remove, { id: globex.calendarId, date: '2026-01-01' })).removeHoliday.holidays, [{ date: '2026-12-25' }]);
    const missing = await hcm.call(remove, { id: globex.calendarId, date: '2026-01-01' });
    assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND');
  });

  it('refuses bad input with a stable code and writes nothing', async () => {
    const worker = (overrides: Record<string, unknown>) => ({
      employeeNumber: 'BAD-1', name: 'Bad Input', email: 'bad@example.com', kind: 'EMPLOYEE', roleId: acme.roleId, costCenterId: acme.costCenterId,
      legalEntityId: acme.legalEntityId, location: 'Berlin', calendarId: acme.calendarId, hireDate: '2026-01-01', ...overrides,
    });
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['createLegalEntity', 'CreateLegalEntityInput', { code: 'X', name: 'X', country: 'Germany', currency: 'EUR' }, 'BAD_USER_INPUT'],
      ['createLegalEntity', 'CreateLegalEntityInput', { code: 'X', name: 'X', country: 'DE', currency: 'eur' }, 'BAD_USER_INPUT'],
      ['createLegalEntity', 'CreateLegalEntityInput', { code: ' ', name: 'X', country: 'DE', currency: 'EUR' }, 'BAD_USER_INPUT'],
      ['createLegalEntity', 'CreateLegalEntityInput', { code: 'ACME', name: 'Again', country: 'DE', currency: 'EUR' }, 'CONFLICT'],
      ['createCostCenter', 'CreateCostCenterInput', { code: 'CC', name: 'CC', legalEntityId: 'missing' }, 'NOT_FOUND'],
      ['createCostCenter', 'CreateCostCenterInput', { code: 'ACME-DEL', name: 'Again', legalEntityId: acme.legalEntityId }, 'CONFLICT'],
      ['createRole', 'CreateRoleInput', { code: 'R', name: 'R', targetUtilization: '100.01' }, 'BAD_USER_INPUT'],
      ['createRole', 'CreateRoleInput', { code: 'ACME-CONS', name: 'Again', targetUtilization: '50.00' }, 'CONFLICT'],
      ['createWorkCalendar', 'CreateWorkCalendarInput', { name: 'C', hoursPerDay: '0', workingDays: [1] }, 'BAD_USER_INPUT'],
      ['createWorkCalendar', 'CreateWorkCalendarInput', { name: 'C', hoursPerDay: '8.00', workingDays: [1, 8] }, 'BAD_USER_INPUT'],
      ['createWorkCalendar', 'CreateWorkCalendarInput', { name: 'C', hoursPerDay: '8.00', workingDays: [] }, 'BAD_USER_INPUT'],
      [
        'createWorkCalendar', 'CreateWorkCalendarInput',
        { name: 'C', hoursPerDay: '8.00', workingDays: [1], holidays: [{ date: '2026-05-01', name: 'A' }, { date: '2026-05-01', name: 'B' }] },
        'BAD_USER_INPUT',
      ],
      ['createWorker', 'CreateWorkerInput', worker({ email: 'not-an-email' }), 'BAD_USER_INPUT'],
      ['createWorker', 'CreateWorkerInput', worker({ terminationDate: '2025-12-31' }), 'BAD_USER_INPUT'],
      ['createWorker', 'CreateWorkerInput', worker({ costCenterId: globex.costCenterId }), 'BAD_USER_INPUT'],
      ['createWorker', 'CreateWorkerInput', worker({ skills: [{ skill: 'Go', level: 0 }] }), 'BAD_USER_INPUT'],
      ['createWorker', 'CreateWorkerInput', worker({ skills: [{ skill: 'Go', level: 3 }, { skill: 'go', level: 4 }] }), 'BAD_USER_INPUT'],
      ['createWorker', 'CreateWorkerInput', worker({ roleId: 'missing' }), 'NOT_FOUND'],
      ['createWorker', 'CreateWorkerInput', worker({ calendarId: 'missing' }), 'NOT_FOUND'],
      ['createWorker', 'CreateWorkerInput', worker({ managerId: 'missing' }), 'NOT_FOUND'],
    ];
    const before = await tableCounts(hcm);
    for (const [mutation, type, input, code] of cases) {
      const response = await hcm.call(`mutation($input: ${type}!) { ${mutation}(input: $input) { id } }`, { input });
      assert.equal(response.errors?.[0].extensions?.code, code, `${mutation} ${JSON.stringify(input)}: ${JSON.stringify(response.errors)}`);
    }
    assert.deepEqual(await tableCounts(hcm), before);
  });

  it('lets only ADMIN change master data', async () => {
    const denied = await hcm.call(
      `mutation { createLegalEntity(input: { code: "NO", name: "No", country: "NO", currency: "NOK" }) { id } }`,
      {},
      { workerId: 'w1', roles: ['FINANCE', 'MANAGER', 'RESOURCE_MANAGER'] },
    );
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
  });
});

import assert from 'node:assert/strict';
import type { Clock } from '../../../lib/clock.ts';
import type { SubgraphHarness } from '../../support/subgraph-harness.ts';
import type { HcmDatabase } from '../../../subgraphs/hcm/index.ts';

/** The date every hcm subgraph test runs on (a Monday), so statuses and capacity are reproducible. */
export const testToday = '2026-06-15';
export const fixedClock: Clock = { now: () => new Date(`${testToday}T12:00:00Z`) };

type Hcm = SubgraphHarness<HcmDatabase>;

/** Calls and fails the test on any GraphQL error, returning `data`. */
export async function ok<T = any>(hcm: Hcm, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await hcm.call<T>(query, variables);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data as T;
}

export interface Org {
  legalEntityId: string;
  costCenterId: string;
  roleId: string;
  calendarId: string;
}

/** A legal entity in `currency` with one cost center, a role and a Monday-to-Friday 8-hour calendar. */
export async function createOrg(hcm: Hcm, code: string, currency = 'EUR'): Promise<Org> {
  const entity = await ok(hcm, `mutation($input: CreateLegalEntityInput!) { createLegalEntity(input: $input) { id } }`, {
    input: { code, name: `${code} GmbH`, country: 'DE', currency },
  });
  const legalEntityId = entity.createLegalEntity.id;
  const center = await ok(hcm, `mutation($input: CreateCostCenterInput!) { createCostCenter(input: $input) { id } }`, {
    input: { code: `${code}-DEL`, name: `${code} Delivery`, legalEntityId },
  });
  const role = await ok(hcm, `mutation($input: CreateRoleInput!) { createRole(input: $input) { id } }`, {
    input: { code: `${code}-CONS`, name: `${code} Consultant`, targetUtilization: '75.00' },
  });
  const calendar = await ok(hcm, `mutation($input: CreateWorkCalendarInput!) { createWorkCalendar(input: $input) { id } }`, {
    input: { name: `${code} full time`, hoursPerDay: '8.00', workingDays: [1, 2, 3, 4, 5] },
  });
  return { legalEntityId, costCenterId: center.createCostCenter.id, roleId: role.createRole.id, calendarId: calendar.createWorkCalendar.id };
}

let counter = 0;

/** Creates a worker in `org`; `overrides` replace any input field. Returns the new id. */
export async function createWorker(hcm: Hcm, org: Org, overrides: Record<string, unknown> = {}): Promise<string> {
  counter += 1;
  const data = await ok(hcm, `mutation($input: CreateWorkerInput!) { createWorker(input: $input) { id } }`, {
    input: {
      employeeNumber: `E${String(counter).padStart(5, '0')}`,
      name: `Worker ${counter}`,
      email: `worker${counter}@example.com`,
      kind: 'EMPLOYEE',
      roleId: org.roleId,
      costCenterId: org.costCenterId,
      legalEntityId: org.legalEntityId,
      location: 'Berlin',
      calendarId: org.calendarId,
      hireDate: '2024-01-01',
      ...overrides,
    },
  });
  return data.createWorker.id;
}

/** Row counts of every hcm table: "nothing written" means these did not change. */
export async function tableCounts(hcm: Hcm): Promise<Record<string, number>> {
  const tables = ['legal_entity', 'cost_center', 'role', 'work_calendar', 'public_holiday', 'worker', 'worker_skill', 'worker_cost_rate', 'leave', 'outbox'] as const;
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await hcm.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

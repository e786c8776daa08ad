import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DemoFirm, DemoWorker } from '../../../lib/seed/demo-firm.ts';
import { hcmSubgraph, type HcmDatabase } from '../../../subgraphs/hcm/index.ts';
import { seedHcm } from '../../../subgraphs/hcm/seed.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { fixedClock, ok, tableCounts } from './fixtures.ts';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const worker = (n: number, overrides: Partial<DemoWorker>): DemoWorker => ({
  id: uuid(100 + n),
  employeeNumber: `E-${n}`,
  name: `Worker ${n}`,
  email: `w${n}@demo.example`,
  kind: 'EMPLOYEE',
  roleId: uuid(30),
  managerId: null,
  costCenterId: uuid(10),
  legalEntityId: uuid(1),
  location: 'Berlin',
  calendarId: uuid(20),
  skills: [],
  hireDate: '2024-01-01',
  terminationDate: null,
  status: 'ACTIVE',
  costRates: [],
  accessRoles: ['WORKER'],
  ...overrides,
});

/** A tiny plan; reports are listed before their managers, which the seed must order. */
const firm: DemoFirm = {
  today: '2026-06-15',
  scale: 0.01,
  legalEntities: [{ id: uuid(1), code: 'DE', name: 'Demo GmbH', country: 'DE', currency: 'EUR' }],
  costCenters: [{ id: uuid(10), code: 'DE-DEL', name: 'Delivery', legalEntityId: uuid(1) }],
  calendars: [{ id: uuid(20), name: 'DE full time', hoursPerDay: '8.00', workingDays: [5, 4, 3, 2, 1], holidays: [{ date: '2026-03-04', name: 'Holiday' }] }],
  roles: [{ id: uuid(30), code: 'CONS', name: 'Consultant', targetUtilization: '75.00' }],
  workers: [
    worker(3, { name: 'Third', managerId: uuid(102), skills: [{ skill: 'React', level: 4 }] }),
    worker(2, { name: 'Second', managerId: uuid(101), costRates: [{ amount: '60.00', currency: 'EUR', effectiveFrom: '2024-01-01', effectiveTo: '2025-12-31' }, { amount: '65.00', currency: 'EUR', effectiveFrom: '2026-01-01', effectiveTo: null }] }),
    worker(1, { name: 'First', accessRoles: ['WORKER', 'MANAGER'] }),
    worker(4, { name: 'Gone', status: 'INACTIVE', terminationDate: '2025-06-30' }),
  ],
  leaves: [{ id: uuid(200), workerId: uuid(103), type: 'VACATION', startDate: '2026-03-02', endDate: '2026-03-03', hoursPerDay: '8.00' }],
  customers: [],
  contacts: [],
  opportunities: [],
  contracts: [],
  projects: [],
  tasks: [],
  assignments: [],
  milestones: [],
  staffingRequests: [],
  expenses: [],
  timeEntries: () => [],
};

describe('hcm seed', () => {
  let hcm: SubgraphHarness<HcmDatabase>;
  before(async () => {
    hcm = await startSubgraph(hcmSubgraph, { clock: fixedClock });
    await seedHcm(hcm.database.db, firm);
  });
  after(() => hcm.close());

  it('writes the plan with its ids, and no events', async () => {
    const counts = await tableCounts(hcm);
    assert.deepEqual(counts, {
      legal_entity: 1, cost_center: 1, role: 1, work_calendar: 1, public_holiday: 1, worker: 4, worker_skill: 1, worker_cost_rate: 2, leave: 1, outbox: 0,
    });
  });

  it('serves the seeded workers with references, cost rates, status and capacity', async () => {
    const data = await ok(hcm, `query($id: ID!) { worker(id: $id) {
      name manager { name manager { name } } skills { skill level } legalEntity { currency } calendar { workingDays }
      costRates { cost { amount } } costRateOn(date: "2026-03-02") { id cost { amount } }
      capacityHours(from: "2026-03-02", to: "2026-03-06") } }`, { id: uuid(103) });
    assert.deepEqual(data.worker.manager, { name: 'Second', manager: { name: 'First' } });
    assert.deepEqual(data.worker.skills, [{ skill: 'React', level: 4 }]);
    assert.deepEqual(data.worker.calendar.workingDays, [1, 2, 3, 4, 5]);
    assert.equal(data.worker.capacityHours, '16.00'); // 5 days, less the holiday and two days of vacation
    const second = await ok(hcm, `query($id: ID!) { worker(id: $id) { costRates { id cost { amount } } costRateOn(date: "2026-03-02") { cost { amount } } } }`, { id: uuid(102) });
    assert.deepEqual(second.worker.costRates.map((rate: any) => rate.cost.amount), ['60.00', '65.00']);
    assert.equal(second.worker.costRateOn.cost.amount, '65.00');
    const inactive = await ok(hcm, `{ workers(filter: { status: INACTIVE }) { nodes { name status } } }`);
    assert.deepEqual(inactive.workers.nodes, [{ name: 'Gone', status: 'INACTIVE' }]);
  });
});

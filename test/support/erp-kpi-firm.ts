import type { DemoWorker } from '../../lib/seed/demo-firm.ts';
import { demoFirmWith } from './demo-firm.ts';

/**
 * A small firm for KPI tests, with round rates so the numbers check by hand: two legal entities (le-de EUR, le-us
 * USD), two cost centers, one role; Acme (EUR, Germany: 19 % tax) on contract k-acme at 100.00 an hour with two
 * projects, Globex (USD, US: 0 %) on k-globex at 150.00 an hour with one. Ana (cc-delivery) works on both Acme
 * projects, Ben (cc-advisory) on Acme's first and on Globex's; Mia manages them.
 */
export const K = {
  le: { de: 'le-de', us: 'le-us' },
  cc: { delivery: 'cc-delivery', advisory: 'cc-advisory' },
  customer: { acme: 'c-acme', globex: 'c-globex' },
  contract: { acme: 'k-acme', globex: 'k-globex' },
  project: { acme1: 'p-acme-1', acme2: 'p-acme-2', globex: 'p-globex' },
  worker: { ana: 'w-ana', ben: 'w-ben', mia: 'w-mia' },
} as const;

export const taskOf = (projectId: string) => `${projectId}-task`;

const worker = (id: string, name: string, costCenterId: string, managerId: string | null): DemoWorker => ({
  id,
  employeeNumber: id.toUpperCase(),
  name,
  email: `${id}@firm.test`,
  kind: 'EMPLOYEE',
  roleId: 'r-dev',
  managerId,
  costCenterId,
  legalEntityId: K.le.de,
  location: 'Berlin',
  calendarId: 'cal-standard',
  skills: [],
  hireDate: '2025-01-01',
  terminationDate: null,
  status: 'ACTIVE',
  costRates: [{ amount: '60.00', currency: 'EUR', effectiveFrom: '2025-01-01', effectiveTo: null }],
  accessRoles: managerId ? ['WORKER'] : ['WORKER', 'MANAGER'],
});

const contract = (id: string, customerId: string, currency: string, legalEntityId: string, billRate: string) => ({
  id,
  rateCardId: `rc-${id}`,
  number: id.toUpperCase(),
  name: `${id} services`,
  customerId,
  billingMethod: 'TIME_AND_MATERIALS' as const,
  currency,
  legalEntityId,
  soldHours: null,
  amount: null,
  notToExceed: null,
  startDate: '2026-01-01',
  endDate: null,
  status: 'ACTIVE' as const,
  opportunityId: null,
  rates: [{ roleId: 'r-dev', billRate, effectiveFrom: '2026-01-01', effectiveTo: null }],
});

const project = (id: string, customerId: string, contractId: string, currency: string, legalEntityId: string) => ({
  id,
  code: id.toUpperCase(),
  name: `${id} project`,
  customerId,
  contractId,
  billingMethod: 'TIME_AND_MATERIALS' as const,
  legalEntityId,
  currency,
  status: 'ACTIVE' as const,
  startDate: '2026-01-01',
  endDate: null,
  budgetHours: '1000.00',
  budgetAmount: null,
  managerId: K.worker.mia,
});

const assignment = (workerId: string, projectId: string) => ({
  id: `${workerId}-${projectId}`,
  projectId,
  workerId,
  roleId: 'r-dev',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  plannedHours: '400.00',
  status: 'CONFIRMED' as const,
  billRateOverride: null,
});

export const kpiFirm = demoFirmWith({
  today: '2026-03-01',
  legalEntities: [
    { id: K.le.de, code: 'DE', name: 'Firm GmbH', country: 'DE', currency: 'EUR' },
    { id: K.le.us, code: 'US', name: 'Firm Inc.', country: 'US', currency: 'USD' },
  ],
  costCenters: [
    { id: K.cc.delivery, code: 'DEL', name: 'Delivery', legalEntityId: K.le.de },
    { id: K.cc.advisory, code: 'ADV', name: 'Advisory', legalEntityId: K.le.de },
  ],
  calendars: [{ id: 'cal-standard', name: 'Standard', hoursPerDay: '8.00', workingDays: [1, 2, 3, 4, 5], holidays: [] }],
  roles: [{ id: 'r-dev', code: 'DEV', name: 'Developer', targetUtilization: '0.80' }],
  workers: [
    worker(K.worker.mia, 'Mia Manager', K.cc.delivery, null),
    worker(K.worker.ana, 'Ana Analyst', K.cc.delivery, K.worker.mia),
    worker(K.worker.ben, 'Ben Builder', K.cc.advisory, K.worker.mia),
  ],
  customers: [
    { id: K.customer.acme, code: 'ACME', name: 'Acme AG', currency: 'EUR', parentId: null, taxId: null, billingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' } },
    { id: K.customer.globex, code: 'GLOBEX', name: 'Globex Inc.', currency: 'USD', parentId: null, taxId: null, billingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' } },
  ],
  contracts: [contract(K.contract.acme, K.customer.acme, 'EUR', K.le.de, '100.00'), contract(K.contract.globex, K.customer.globex, 'USD', K.le.us, '150.00')],
  projects: [
    project(K.project.acme1, K.customer.acme, K.contract.acme, 'EUR', K.le.de),
    project(K.project.acme2, K.customer.acme, K.contract.acme, 'EUR', K.le.de),
    project(K.project.globex, K.customer.globex, K.contract.globex, 'USD', K.le.us),
  ],
  tasks: Object.values(K.project).map((projectId) => ({ id: taskOf(projectId), projectId, wbs: '1', name: 'Delivery', billable: true, status: 'OPEN' as const })),
  assignments: [
    assignment(K.worker.ana, K.project.acme1),
    assignment(K.worker.ana, K.project.acme2),
    assignment(K.worker.ben, K.project.acme1),
    assignment(K.worker.ben, K.project.globex),
  ],
});

import type { DemoFirm } from '../../lib/seed/demo-firm.ts';

/** A hand-built plan for a test: empty everywhere except what the test fills in. */
export const demoFirmWith = (slice: Partial<DemoFirm>): DemoFirm => ({
  today: '2026-01-01',
  scale: 1,
  legalEntities: [],
  costCenters: [],
  calendars: [],
  roles: [],
  workers: [],
  leaves: [],
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
  ...slice,
});

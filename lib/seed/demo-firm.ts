/**
 * The demo firm as plain data: one deterministic plan that each subgraph's `seed.ts` writes its own slice of, so
 * ids line up across the five databases without any subgraph reading another's tables. Dates are ISO strings,
 * amounts and hours decimal strings.
 */
export type BillingMethod = 'TIME_AND_MATERIALS' | 'FIXED_FEE' | 'MANAGED_SERVICES' | 'RETAINER';
export type EntryStatus = 'DRAFT' | 'SUBMITTED' | 'APPROVED' | 'REJECTED';

export interface DemoLegalEntity { id: string; code: string; name: string; country: string; currency: string }
export interface DemoCostCenter { id: string; code: string; name: string; legalEntityId: string }
export interface DemoHoliday { date: string; name: string }
export interface DemoCalendar {
  id: string;
  name: string;
  /** Hours of a full working day, e.g. "8.00"; part-time calendars have fewer. */
  hoursPerDay: string;
  /** ISO weekdays worked: 1 = Monday … 7 = Sunday. */
  workingDays: number[];
  holidays: DemoHoliday[];
}
export interface DemoRole { id: string; code: string; name: string; targetUtilization: string }
export interface DemoCostRate { amount: string; currency: string; effectiveFrom: string; effectiveTo: string | null }
export interface DemoWorker {
  id: string;
  employeeNumber: string;
  name: string;
  email: string;
  kind: 'EMPLOYEE' | 'CONTRACTOR';
  roleId: string;
  managerId: string | null;
  costCenterId: string;
  legalEntityId: string;
  location: string;
  calendarId: string;
  skills: Array<{ skill: string; level: number }>;
  hireDate: string;
  terminationDate: string | null;
  status: 'ACTIVE' | 'INACTIVE';
  costRates: DemoCostRate[];
  /** Roles granted in the demo tokens (everyone is a WORKER; managers MANAGER, etc.). */
  accessRoles: string[];
}
export interface DemoLeave { id: string; workerId: string; type: 'VACATION' | 'SICK' | 'PARENTAL' | 'OTHER'; startDate: string; endDate: string; hoursPerDay: string }
export interface DemoCustomer {
  id: string;
  code: string;
  name: string;
  currency: string;
  parentId: string | null;
  taxId: string | null;
  billingAddress: { line1: string; city: string; postalCode: string; country: string };
}
export interface DemoContact { id: string; customerId: string; name: string; email: string; title: string; isPrimary: boolean }
export interface DemoRate { roleId: string; billRate: string; effectiveFrom: string; effectiveTo: string | null }
export interface DemoContract {
  id: string;
  rateCardId: string;
  number: string;
  name: string;
  customerId: string;
  billingMethod: BillingMethod;
  currency: string;
  legalEntityId: string;
  soldHours: string | null;
  amount: string | null;
  notToExceed: string | null;
  startDate: string;
  endDate: string | null;
  status: 'ACTIVE' | 'COMPLETED';
  opportunityId: string | null;
  rates: DemoRate[];
}
export interface DemoOpportunity {
  id: string;
  customerId: string;
  name: string;
  stage: 'PROSPECTING' | 'QUALIFICATION' | 'PROPOSAL' | 'NEGOTIATION' | 'CLOSED_WON' | 'CLOSED_LOST';
  probability: number;
  amount: string | null;
  currency: string;
  billingMethod: BillingMethod;
  legalEntityId: string;
  expectedCloseDate: string;
  expectedStartDate: string;
  expectedEndDate: string;
  estimatedHours: Array<{ roleId: string; hours: string }>;
  contractId: string | null;
}
export interface DemoProject {
  id: string;
  code: string;
  name: string;
  customerId: string;
  contractId: string;
  billingMethod: BillingMethod;
  legalEntityId: string;
  currency: string;
  status: 'DRAFT' | 'ACTIVE' | 'ON_HOLD' | 'CLOSED';
  startDate: string;
  endDate: string | null;
  budgetHours: string;
  budgetAmount: string | null;
  managerId: string;
}
export interface DemoTask { id: string; projectId: string; wbs: string; name: string; billable: boolean; status: 'OPEN' | 'CLOSED' }
export interface DemoAssignment {
  id: string;
  projectId: string;
  workerId: string;
  roleId: string;
  startDate: string;
  endDate: string;
  plannedHours: string;
  status: 'TENTATIVE' | 'CONFIRMED';
  billRateOverride: string | null;
}
export interface DemoMilestone { id: string; projectId: string; name: string; amount: string; currency: string; dueDate: string; status: 'PLANNED' | 'COMPLETED' }
export interface DemoStaffingRequest {
  id: string;
  roleId: string;
  skills: string[];
  hours: string;
  startDate: string;
  endDate: string;
  opportunityId: string | null;
  projectId: string | null;
  status: 'OPEN' | 'FILLED' | 'CANCELLED';
}
export interface DemoTimeEntry {
  id: string;
  workerId: string;
  projectId: string;
  taskId: string;
  assignmentId: string;
  roleId: string;
  date: string;
  hours: string;
  billable: boolean;
  notes: string;
  status: EntryStatus;
  /** Set for APPROVED and REJECTED entries: who decided (the worker's manager). */
  decidedBy: string | null;
  rejectionReason: string | null;
}
export interface DemoExpense {
  id: string;
  workerId: string;
  projectId: string;
  date: string;
  amount: string;
  currency: string;
  category: 'TRAVEL' | 'LODGING' | 'MEALS' | 'SOFTWARE' | 'OTHER';
  billable: boolean;
  receiptRef: string | null;
  status: EntryStatus;
}

export interface DemoFirm {
  /** The date the plan is built around; time entries cover the 8 weeks before it. */
  today: string;
  scale: number;
  legalEntities: DemoLegalEntity[];
  costCenters: DemoCostCenter[];
  calendars: DemoCalendar[];
  roles: DemoRole[];
  workers: DemoWorker[];
  leaves: DemoLeave[];
  customers: DemoCustomer[];
  contacts: DemoContact[];
  opportunities: DemoOpportunity[];
  contracts: DemoContract[];
  projects: DemoProject[];
  tasks: DemoTask[];
  assignments: DemoAssignment[];
  milestones: DemoMilestone[];
  staffingRequests: DemoStaffingRequest[];
  expenses: DemoExpense[];
  /** Generated lazily: at --scale 25 there are about a million; batch them as you insert. */
  timeEntries(): Iterable<DemoTimeEntry>;
}

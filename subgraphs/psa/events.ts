import type { crmTopics } from '../crm/index.ts';
import type { AssignmentStatus, BillingMethod, ProjectStatus } from './tables.ts';

/** The topics psa publishes, with their payloads. Consumers import these types, never psa's tables. */
export const psaTopics = {
  projectCreated: 'psa.project.created',
  projectActivated: 'psa.project.activated',
  projectStatusChanged: 'psa.project.status_changed',
  assignmentChanged: 'psa.assignment.changed',
  milestoneCompleted: 'psa.milestone.completed',
  staffingRequestFilled: 'psa.staffing_request.filled',
} as const;

/**
 * What psa consumes. crm's topic is checked against crm's surface at compile time (a type-only import, so running
 * psa alone loads none of crm); erp's is named here until erp exports its surface (the payload below matches erp's
 * `BillingSetupReady`).
 */
export const consumedTopics = {
  opportunityWon: 'crm.opportunity.won' satisfies (typeof crmTopics)['opportunityWon'],
  opportunityLost: 'crm.opportunity.lost' satisfies (typeof crmTopics)['opportunityLost'],
  billingSetupReady: 'erp.billing_setup.ready',
} as const;

/** A staffing request was filled by a new assignment (`staffRequest`). */
export interface StaffingRequestFilled {
  staffingRequestId: string;
  assignmentId: string;
  projectId: string;
  workerId: string;
  roleId: string;
  startDate: string;
  endDate: string;
  plannedHours: string | null;
  status: AssignmentStatus;
  /** Weeks booked past the overbooking limit that a resource manager accepted (empty when none). */
  overbookedWeeks: Array<{ start: string; end: string; capacityHours: string; bookedHours: string; limitHours: string }>;
}

/** erp has set up billing (rate card, invoicing terms) for a contract; its projects may now activate. */
export interface BillingSetupReady {
  contractId: string;
  billingSetupId: string;
}

export interface ProjectCreated {
  projectId: string;
  code: string;
  name: string;
  customerId: string;
  contractId: string | null;
  opportunityId: string | null;
  billingMethod: BillingMethod | null;
  legalEntityId: string | null;
  currency: string | null;
  status: ProjectStatus;
  startDate: string;
  endDate: string | null;
  budgetHours: string | null;
  budgetAmount: string | null;
}

/** The project left DRAFT: time may now be booked against it and erp may bill it. */
export interface ProjectActivated {
  projectId: string;
  code: string;
  customerId: string;
  contractId: string;
  legalEntityId: string;
  billingMethod: BillingMethod;
  currency: string | null;
  startDate: string;
  endDate: string | null;
}

/** Every status change, including the activation (which also publishes `psa.project.activated`). */
export interface ProjectStatusChanged {
  projectId: string;
  code: string;
  customerId: string;
  contractId: string | null;
  from: ProjectStatus;
  to: ProjectStatus;
}

export interface AssignmentChanged {
  change: 'CREATED' | 'UPDATED';
  assignmentId: string;
  projectId: string;
  workerId: string;
  roleId: string;
  startDate: string;
  endDate: string;
  plannedHours: string | null;
  status: AssignmentStatus;
  /** The status before an update; null on create. */
  previousStatus: AssignmentStatus | null;
  /** In `currency` (the project's); first in the bill-rate precedence of DESIGN §2. */
  billRateOverride: string | null;
  currency: string | null;
}

/** A fixed-fee milestone is done: erp bills `amount`. */
export interface MilestoneCompleted {
  milestoneId: string;
  projectId: string;
  contractId: string | null;
  customerId: string;
  name: string;
  amount: string;
  currency: string;
  dueDate: string;
  completedAt: string;
}

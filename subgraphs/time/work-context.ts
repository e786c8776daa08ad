import type { CalendarPeriod } from '../../lib/calendar-periods.ts';
import type { ExternalRef } from '../../lib/external-refs.ts';
import type { AssignmentPlan } from './domain/forecast.ts';
import type { WorkforceMember } from './domain/kpi-groups.ts';

/**
 * What time must know of other subgraphs' current data to validate an entry (DESIGN §4.2): the project (psa), its
 * tasks, the worker's assignments on it and the contract's rate card (crm), and the worker (hcm). time never reads
 * their tables; a `WorkContextSource` fetches these facts through the gateway, for a whole batch at once.
 */
export interface ProjectFacts {
  id: string;
  code: string;
  status: 'DRAFT' | 'ACTIVE' | 'ON_HOLD' | 'CLOSED';
  legalEntityId: string | null;
  currency: string | null;
  contractId: string | null;
  tasks: Array<{ id: string; name: string; status: 'OPEN' | 'CLOSED'; billable: boolean; externalRefs?: ExternalRef[] }>;
  /** Assignments of the workers asked about, on this project. */
  assignments: Array<{
    id: string;
    workerId: string;
    roleId: string;
    startDate: string;
    endDate: string;
    status: 'TENTATIVE' | 'CONFIRMED' | 'CANCELLED';
    billRateOverride: string | null;
  }>;
  /** The contract's rate card (null without one) and its rates (empty without a card). */
  rateCardId: string | null;
  rates: Array<{ id: string; roleId: string; billRate: string; effectiveFrom: string; effectiveTo: string | null }>;
}

export interface WorkerFacts {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  hireDate: string;
  terminationDate: string | null;
  legalEntityId: string;
  roleId: string;
  managerId: string | null;
}

export interface WorkContext {
  /** Every project asked about; null when it does not exist. */
  projects: Map<string, ProjectFacts | null>;
  /** Every worker asked about; null when it does not exist. */
  workers: Map<string, WorkerFacts | null>;
}

/** Where erp says an approved entry or expense stands (its `TimeEntry.billing.status`, `ExpenseEntry.billing.status`). */
export type EntryBillingStatus =
  | 'NOT_BILLABLE'
  | 'AWAITING_APPROVAL'
  | 'NOT_POSTED'
  | 'UNBILLED'
  | 'ON_DRAFT'
  | 'INVOICED'
  /** Imported history the source system invoiced (`invoicedExternally`): erp never bills it. */
  | 'INVOICED_EXTERNALLY'
  | 'PARTIALLY_CREDITED'
  | 'CREDITED'
  | 'REVERSED'
  /** erp's fee coverage of approved time without a billing event of its own (a fixed fee, a managed-services month's
   * included hours; a retainer's drawdown; overage or a retainer's overrun; a managed-services month without terms). */
  | 'COVERED_BY_FEE'
  | 'DRAWN_DOWN'
  | 'OVERRUN'
  | 'AWAITING_TERMS';

/** The records that external references name, by `system|id` (`refKey`); a reference naming nothing is absent. */
export interface RecordsByRefs {
  workers: Map<string, string>;
  projects: Map<string, string>;
}

export const refKey = (ref: ExternalRef) => `${ref.system}|${ref.id}`;

export interface WorkContextSource {
  /**
   * One round trip for a whole batch, however many entries it has. `taskRefs`: with each task's external references
   * (an import naming tasks by reference).
   */
  load(request: { projectIds: readonly string[]; workerIds: readonly string[]; taskRefs?: boolean }): Promise<WorkContext>;
  /** The workers (hcm) and projects (psa) these references name, in one round trip (an import's `workerRef`, `projectRef`). */
  recordIdsByRefs?(request: { workers: readonly ExternalRef[]; projects: readonly ExternalRef[] }): Promise<RecordsByRefs>;
  /** erp's billing status of these entries, in one round trip (cancelling an approval must not undo an invoice). */
  billingStatuses(timeEntryIds: readonly string[]): Promise<Map<string, EntryBillingStatus>>;
  /** erp's billing status of these expenses, in one round trip (taking back an approval must not undo an invoice). */
  expenseBillingStatuses(expenseIds: readonly string[]): Promise<Map<string, EntryBillingStatus>>;
  /** The direct reports (hcm) of each of these managers, in one round trip; one with none maps to [], one hcm does not know is absent. */
  directReports(managerIds: readonly string[]): Promise<Map<string, string[]>>;
  /** The ids of the customer's projects (psa), one round trip per 500 projects. */
  projectIdsOfCustomer(customerId: string): Promise<string[]>;
  /** Each project's customer id (psa), in one round trip however many projects; absent when psa does not know it. */
  customersOfProjects(projectIds: readonly string[]): Promise<Map<string, string>>;
  /** Each project's CONFIRMED assignments' plans (psa), in one round trip; a project without any maps to []. */
  confirmedPlans(projectIds: readonly string[]): Promise<Map<string, AssignmentPlan[]>>;
}

/** What payroll must know of a worker (hcm): their work calendars over the range asked, each with its public holidays. */
export interface WorkerCalendarFacts {
  workerId: string;
  /** The calendar of each span of the worker's history within the range, oldest first (`to` null: open-ended). */
  calendars: Array<{
    from: string;
    to: string | null;
    hoursPerDay: string;
    /** ISO weekdays worked: 1 = Monday … 7 = Sunday. */
    workingDays: number[];
    /** Public holiday dates within the range asked. */
    holidays: string[];
  }>;
}

/** Which workers a KPI question asks hcm about; every field given must match. */
export interface WorkforceFilter {
  workerIds: readonly string[] | null;
  roleIds: readonly string[] | null;
  costCenterIds: readonly string[] | null;
  legalEntityIds: readonly string[] | null;
}

/** hcm's facts for the payroll feed and the KPIs, fetched through the gateway like `WorkContextSource`. */
export interface PayrollContextSource {
  /**
   * The workers (any status) matching the filter, one member per span of their history within [from, to] (role, cost
   * center and legal entity in effect on those days; a span matches the filter by its own values), with the target
   * (own, else the span's role's) and the span's capacity per period of [from, to] (`period` null: the whole range as
   * one period, keyed by `from`); one round trip per page of 500 workers.
   */
  workforce(request: { filter: WorkforceFilter; from: string; to: string; period: CalendarPeriod | null }): Promise<WorkforceMember[]>;
  /** One round trip for a page of workers (at most 500); null for a worker hcm does not know. */
  calendars(request: { workerIds: readonly string[]; from: string; to: string }): Promise<Map<string, WorkerCalendarFacts | null>>;
  /** The ids of every worker of the legal entity (any status), one round trip per 500 workers; NOT_FOUND for one hcm does not know. */
  workerIdsOfLegalEntity(legalEntityId: string): Promise<string[]>;
}

import type { WorkerKind, WorkerStatus } from './tables.ts';

/** The topics hcm publishes, with their payloads. Consumers import these types, never hcm's tables. */
export const hcmTopics = {
  workerCreated: 'hcm.worker.created',
  workerChanged: 'hcm.worker.changed',
  workerHistoryChanged: 'hcm.worker.history_changed',
  costRateAdded: 'hcm.cost_rate.added',
  legalEntityCreated: 'hcm.legal_entity.created',
  legalEntityChanged: 'hcm.legal_entity.changed',
  apiKeyRevoked: 'hcm.api_key.revoked',
} as const;

/**
 * hcm's events that carry a worker's manager as it is after the change (every manager change publishes one): what
 * keeps a copy of the reporting lines exact (the gateway's live feed, time's managers' reports).
 */
export const reportingLineEventTypes: readonly string[] = [hcmTopics.workerCreated, hcmTopics.workerChanged];

/**
 * An API key was revoked. The gateway already refuses it (it checks keys with hcm on every request); every gateway
 * instance hears this to close the live connections (graphql-ws, SSE) the key opened before.
 */
export interface ApiKeyRevoked {
  apiKeyId: string;
  revokedAt: string;
}

/**
 * A legal entity as other subgraphs may keep it: erp converts what it bills into the entity's currency (its books'
 * currency), so it keeps each entity's currency from these events.
 */
export interface LegalEntitySnapshot {
  legalEntityId: string;
  code: string;
  name: string;
  country: string;
  currency: string;
}

export type LegalEntityCreated = LegalEntitySnapshot;

/** The legal entity after the change. */
export type LegalEntityChanged = LegalEntitySnapshot;

/** A worker as other subgraphs may keep it (time checks "worker active", psa matches skills). No cost data. */
export interface WorkerSnapshot {
  workerId: string;
  employeeNumber: string;
  name: string;
  email: string;
  kind: WorkerKind;
  roleId: string;
  managerId: string | null;
  costCenterId: string;
  legalEntityId: string;
  location: string;
  calendarId: string;
  /** Effective status when the event was written. */
  status: WorkerStatus;
  hireDate: string;
  /** Last day of employment; set (and, once past, status INACTIVE) on termination. */
  terminationDate: string | null;
  /** The worker's own utilization target in percent; null when their role's applies. */
  targetUtilization: string | null;
  skills: Array<{ skill: string; level: number }>;
}

export type WorkerField = Exclude<keyof WorkerSnapshot, 'workerId'>;

export type WorkerCreated = WorkerSnapshot;

/**
 * The worker as in effect today after the change, which fields changed (`terminationDate` and `status` on a
 * termination), and the day the changed values took effect: the write's day, the date of a back-dated change, or the
 * day a future-dated change came into effect (hcm publishes it then, not when it was scheduled).
 */
export interface WorkerChanged extends WorkerSnapshot {
  changedFields: WorkerField[];
  effectiveFrom: string;
}

/** One period of a worker's effective-dated attributes (`effectiveTo` null: open). */
export interface WorkerPeriodSnapshot {
  effectiveFrom: string;
  effectiveTo: string | null;
  roleId: string;
  managerId: string | null;
  costCenterId: string;
  legalEntityId: string;
  location: string;
  kind: WorkerKind;
  calendarId: string;
}

/**
 * A dated change of a worker's attributes, past, present or future (`changeWorkerAttributes`, or an update effective
 * today): what changed from when to when, and the worker's whole history after it, for consumers that keep history.
 * Today's values change, if at all, by `hcm.worker.changed`.
 */
export interface WorkerHistoryChanged {
  workerId: string;
  effectiveFrom: string;
  effectiveTo: string | null;
  changedFields: WorkerField[];
  periods: WorkerPeriodSnapshot[];
}

/** A new effective-dated cost rate; erp costs approved hours with the rate effective on the entry's date. */
export interface CostRateAdded {
  costRateId: string;
  workerId: string;
  legalEntityId: string;
  amount: string;
  currency: string;
  effectiveFrom: string;
  effectiveTo: string | null;
}

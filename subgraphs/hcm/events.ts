import type { WorkerKind, WorkerStatus } from './tables.ts';

/** The topics hcm publishes, with their payloads. Consumers import these types, never hcm's tables. */
export const hcmTopics = {
  workerCreated: 'hcm.worker.created',
  workerChanged: 'hcm.worker.changed',
  costRateAdded: 'hcm.cost_rate.added',
  legalEntityCreated: 'hcm.legal_entity.created',
  legalEntityChanged: 'hcm.legal_entity.changed',
  apiKeyRevoked: 'hcm.api_key.revoked',
} as const;

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

/** The worker after the change, and which fields changed (`terminationDate` and `status` on a termination). */
export interface WorkerChanged extends WorkerSnapshot {
  changedFields: WorkerField[];
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

import type { KpiDimension } from '../../../lib/kpi-question.ts';

/**
 * What the KPIs group by, besides the period. The worker's role, cost center and legal entity are hcm's values in
 * effect on the day of the work (hcm keeps them effective-dated), a project's customer is psa's.
 */
export type { KpiDimension };

/**
 * A worker over a span of days with the same role, cost center and legal entity (hcm's history within the question):
 * a worker who moved in the range is several members, one per span, each with the capacity of its own days.
 */
export interface WorkforceMember {
  workerId: string;
  /** The span's first and last day within the question; absent: the whole question (one span). */
  from?: string;
  to?: string;
  roleId: string;
  costCenterId: string;
  legalEntityId: string;
  /** The worker's own target in percent, else their role's; null when neither is known. */
  targetUtilization: string | null;
  /** Capacity hours of the span's days per period, keyed by the period's first day. */
  capacity: ReadonlyMap<string, string>;
}

/** The ids a row is grouped by; null for a dimension not grouped by. */
export interface GroupKey {
  workerId: string | null;
  roleId: string | null;
  costCenterId: string | null;
  legalEntityId: string | null;
  customerId: string | null;
  projectId: string | null;
}

/** A row's key: the member's facts for the worker dimensions and, for PROJECT / CUSTOMER, the work's. */
export function groupKeyOf(
  dimensions: ReadonlySet<KpiDimension>,
  member: WorkforceMember,
  work: { projectId: string | null; customerId: string | null } = { projectId: null, customerId: null },
): GroupKey {
  return {
    workerId: dimensions.has('WORKER') ? member.workerId : null,
    roleId: dimensions.has('ROLE') ? member.roleId : null,
    costCenterId: dimensions.has('COST_CENTER') ? member.costCenterId : null,
    legalEntityId: dimensions.has('LEGAL_ENTITY') ? member.legalEntityId : null,
    customerId: dimensions.has('CUSTOMER') ? work.customerId : null,
    projectId: dimensions.has('PROJECT') ? work.projectId : null,
  };
}

const keyParts = (key: GroupKey) => [key.workerId, key.roleId, key.costCenterId, key.legalEntityId, key.customerId, key.projectId];

/** One string per distinct key, for maps. */
export const keyText = (key: GroupKey): string => JSON.stringify(keyParts(key));

/** The rows' order within a period: by worker, role, cost center, legal entity, customer, project id. */
export function compareKeys(a: GroupKey, b: GroupKey): number {
  const left = keyParts(a);
  const right = keyParts(b);
  for (let i = 0; i < left.length; i++) {
    if (left[i] !== right[i]) return (left[i] ?? '') < (right[i] ?? '') ? -1 : 1;
  }
  return 0;
}

/** The dimensions that group by the work (a project and its customer) rather than by the worker. */
export const groupsByWork = (dimensions: ReadonlySet<KpiDimension>) => dimensions.has('PROJECT') || dimensions.has('CUSTOMER');

/** Each worker's members (spans), in date order. */
export function spansByWorker(members: readonly WorkforceMember[]): Map<string, WorkforceMember[]> {
  const spans = new Map<string, WorkforceMember[]>();
  for (const member of members) spans.set(member.workerId, [...(spans.get(member.workerId) ?? []), member]);
  for (const list of spans.values()) list.sort((a, b) => ((a.from ?? '') < (b.from ?? '') ? -1 : 1));
  return spans;
}

/** The span of `spans` covering `date`; the only one when there is one (and no date is needed). */
export function spanOn(spans: readonly WorkforceMember[] | undefined, date: string | undefined): WorkforceMember | undefined {
  if (!spans || spans.length === 0) return undefined;
  if (spans.length === 1 && date === undefined) return spans[0];
  if (date === undefined) throw new Error(`worker ${spans[0].workerId} has ${spans.length} spans: their hours must be dated`);
  return spans.find((span) => (span.from === undefined || span.from <= date) && (span.to === undefined || date <= span.to));
}

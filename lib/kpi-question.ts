/**
 * The shape every KPI question takes, whichever subgraph answers it (time's utilization and compliance, erp's unbilled
 * work and cycle time): the dimensions it may be grouped by and the filter lists, one per dimension. The SDL declares
 * `KpiDimension` and `KpiFilter` identically in each subgraph; these are their TypeScript twins.
 */
export type KpiDimension = 'WORKER' | 'ROLE' | 'COST_CENTER' | 'LEGAL_ENTITY' | 'CUSTOMER' | 'PROJECT';

export interface KpiFilter {
  workerIds?: readonly string[] | null;
  roleIds?: readonly string[] | null;
  costCenterIds?: readonly string[] | null;
  legalEntityIds?: readonly string[] | null;
  customerIds?: readonly string[] | null;
  projectIds?: readonly string[] | null;
}

/** The filter list of each dimension. */
export const filterFieldOf: Record<KpiDimension, keyof KpiFilter> = {
  WORKER: 'workerIds',
  ROLE: 'roleIds',
  COST_CENTER: 'costCenterIds',
  LEGAL_ENTITY: 'legalEntityIds',
  CUSTOMER: 'customerIds',
  PROJECT: 'projectIds',
};

export const allDimensions: readonly KpiDimension[] = ['WORKER', 'ROLE', 'COST_CENTER', 'LEGAL_ENTITY', 'CUSTOMER', 'PROJECT'];

/** Every filter list, in dimension order. */
export const kpiFilterFields = allDimensions.map((dimension) => filterFieldOf[dimension]);

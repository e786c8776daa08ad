import type { CostCenterUpsertResultResolvers, LegalEntityUpsertResultResolvers, RoleUpsertResultResolvers, WorkerUpsertResultResolvers } from './types.generated.ts';

/** A bulk upsert's results carry the record's id (lib/upsert.ts); the record is read through its loader. */
export const WorkerUpsertResult: WorkerUpsertResultResolvers = {
  worker: (result, _, { loaders }) => (result.id ? loaders.worker.load(result.id) : null),
};

export const RoleUpsertResult: RoleUpsertResultResolvers = {
  role: (result, _, { loaders }) => (result.id ? loaders.role.load(result.id) : null),
};

export const CostCenterUpsertResult: CostCenterUpsertResultResolvers = {
  costCenter: (result, _, { loaders }) => (result.id ? loaders.costCenter.load(result.id) : null),
};

export const LegalEntityUpsertResult: LegalEntityUpsertResultResolvers = {
  legalEntity: (result, _, { loaders }) => (result.id ? loaders.legalEntity.load(result.id) : null),
};

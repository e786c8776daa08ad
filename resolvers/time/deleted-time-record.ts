import type { DeletedTimeRecordResolvers } from './types.generated.ts';

export const DeletedTimeRecord: DeletedTimeRecordResolvers = {
  typename: (row) => row.entity,
  id: (row) => row.record_id,
  deletedAt: (row) => row.deleted_at,
};

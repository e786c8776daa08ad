/** How psa's GraphQL types map to its rows, for the generated resolver types (see scripts/codegen.ts). */
export const codegen = {
  contextType: '../../subgraphs/psa/server.ts#PsaContext',
  mappers: {
    Project: '../../subgraphs/psa/tables.ts#ProjectRow',
    Task: '../../subgraphs/psa/tables.ts#TaskRow',
    Assignment: '../../subgraphs/psa/tables.ts#AssignmentRow',
    Milestone: '../../subgraphs/psa/tables.ts#MilestoneRow',
    StaffingRequest: '../../subgraphs/psa/tables.ts#StaffingRequestRow',
    // A bulk upsert's result per input: the record's id, read back through its loader.
    ProjectUpsertResult: '../../lib/upsert.ts#UpsertResult',
    TaskUpsertResult: '../../lib/upsert.ts#UpsertResult',
    AssignmentUpsertResult: '../../lib/upsert.ts#UpsertResult',
    MilestoneUpsertResult: '../../lib/upsert.ts#UpsertResult',
    // Entities other subgraphs own: psa holds only the key and adds list fields.
    Customer: '../../subgraphs/psa/tables.ts#EntityKey',
    Worker: '../../subgraphs/psa/tables.ts#EntityKey',
    Contract: '../../subgraphs/psa/tables.ts#EntityKey',
    Opportunity: '../../subgraphs/psa/tables.ts#EntityKey',
  },
};

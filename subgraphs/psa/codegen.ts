/** How psa's GraphQL types map to its rows, for the generated resolver types (see scripts/codegen.ts). */
export const codegen = {
  contextType: '../../subgraphs/psa/server.ts#PsaContext',
  mappers: {
    Project: '../../subgraphs/psa/tables.ts#ProjectRow',
    Task: '../../subgraphs/psa/tables.ts#TaskRow',
    Assignment: '../../subgraphs/psa/tables.ts#AssignmentRow',
    Milestone: '../../subgraphs/psa/tables.ts#MilestoneRow',
    StaffingRequest: '../../subgraphs/psa/tables.ts#StaffingRequestRow',
    // Entities other subgraphs own: psa holds only the key and adds list fields.
    Customer: '../../subgraphs/psa/tables.ts#EntityKey',
    Worker: '../../subgraphs/psa/tables.ts#EntityKey',
    Contract: '../../subgraphs/psa/tables.ts#EntityKey',
    Opportunity: '../../subgraphs/psa/tables.ts#EntityKey',
  },
};

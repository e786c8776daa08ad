/** How crm's GraphQL types map to its rows, for the generated resolver types (see scripts/codegen.ts). */
export const codegen = {
  contextType: '../../subgraphs/crm/server.ts#CrmContext',
  mappers: {
    Customer: '../../subgraphs/crm/tables.ts#CustomerRow',
    Contact: '../../subgraphs/crm/tables.ts#ContactRow',
    Opportunity: '../../subgraphs/crm/tables.ts#OpportunityRow',
    Contract: '../../subgraphs/crm/tables.ts#ContractRow',
    ContractAmendment: '../../subgraphs/crm/tables.ts#ContractAmendmentRow',
    RateCard: '../../subgraphs/crm/tables.ts#RateCardRow',
    Rate: '../../subgraphs/crm/tables.ts#RateCardRateRow',
  },
};

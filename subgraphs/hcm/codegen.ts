/** How hcm's GraphQL types map to its rows, for the generated resolver types (see scripts/codegen.ts). */
export const codegen = {
  contextType: '../../subgraphs/hcm/server.ts#HcmContext',
  mappers: {
    LegalEntity: '../../subgraphs/hcm/tables.ts#LegalEntityRow',
    CostCenter: '../../subgraphs/hcm/tables.ts#CostCenterRow',
    Role: '../../subgraphs/hcm/tables.ts#RoleRow',
    WorkCalendar: '../../subgraphs/hcm/tables.ts#WorkCalendarRow',
    PublicHoliday: '../../subgraphs/hcm/tables.ts#PublicHolidayRow',
    Worker: '../../subgraphs/hcm/tables.ts#WorkerRow',
    WorkerSkill: '../../subgraphs/hcm/tables.ts#WorkerSkillRow',
    WorkerPeriod: '../../subgraphs/hcm/service.ts#WorkerPeriodView',
    CostRate: '../../subgraphs/hcm/tables.ts#CostRateRow',
    Leave: '../../subgraphs/hcm/tables.ts#LeaveRow',
    ApiKey: '../../subgraphs/hcm/tables.ts#ApiKeyRow',
    WebhookEndpoint: '../../lib/webhooks/index.ts#WebhookEndpointRow',
    WebhookDelivery: '../../lib/webhooks/index.ts#WebhookDeliveryRow',
    WorkerUpsertResult: '../../lib/upsert.ts#UpsertResult',
    RoleUpsertResult: '../../lib/upsert.ts#UpsertResult',
    CostCenterUpsertResult: '../../lib/upsert.ts#UpsertResult',
    LegalEntityUpsertResult: '../../lib/upsert.ts#UpsertResult',
  },
};

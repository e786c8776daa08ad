export { hostWebhooks, type WebhookHost, type WebhookHostOptions } from './host.ts';
export { createWebhookTables, type WebhookTables, type WebhookEndpointRow, type WebhookDeliveryRow, type WebhookEventRow } from './tables.ts';
export type { WebhookDeliveryStatus, WebhookEndpointStatus } from './tables.ts';
export { checkEventTypePatterns, matchesEventType } from './event-types.ts';
export { signWebhook, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './signature.ts';
export { webhookSettingsFrom, defaultWebhookSettings, type WebhookSettings } from './settings.ts';
export type { WebhookService, RegisterWebhookEndpointInput, UpdateWebhookEndpointInput } from './service.ts';
export type { WebhookLoaders } from './loaders.ts';
export { webhookPingType, type WebhookDeliveryFilter, type ReplayWebhookDeliveriesInput } from './delivery-log.ts';

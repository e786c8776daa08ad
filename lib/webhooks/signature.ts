import { createHmac } from 'node:crypto';

/** The event's id: the same on every attempt and replay, for the receiver to drop what it already handled. */
export const WEBHOOK_ID_HEADER = 'psgraph-webhook-id';
/** Unix seconds when this attempt was signed: receivers refuse old ones (a replayed capture). */
export const WEBHOOK_TIMESTAMP_HEADER = 'psgraph-webhook-timestamp';
/** `v1=<hex>`, comma-separated when a rotated secret still signs besides the new one. */
export const WEBHOOK_SIGNATURE_HEADER = 'psgraph-webhook-signature';

/** hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`. */
export const signWebhook = (secret: string, timestamp: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The signature header's value for the secrets that sign now (the current one first). */
export const signatureHeader = (secrets: readonly string[], timestamp: number, body: string): string =>
  secrets.map((secret) => `v1=${signWebhook(secret, timestamp, body)}`).join(',');

import type { Transaction } from 'kysely';
import { notFound } from '../errors.ts';
import type { Ordering } from '../graphql/connection.ts';
import type { WebhookDatabase } from './consumer.ts';

/** Endpoint and delivery ids are uuids: anything else names none, and is never sent to the database. */
export const isWebhookId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export const webhookOrderings = {
  endpoint: { columns: ['created_at', 'id'], direction: 'desc' },
  delivery: { columns: ['seq'], direction: 'desc' },
} as const satisfies Record<string, Ordering>;

/** The endpoint, locked for the transaction (changes to one endpoint serialize), or NOT_FOUND. */
export async function lockWebhookEndpoint<DB extends WebhookDatabase>(transaction: Transaction<DB>, id: string) {
  const trx = transaction as unknown as Transaction<WebhookDatabase>;
  const endpoint = isWebhookId(id)
    ? await trx.selectFrom('webhook_endpoint').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
    : undefined;
  if (!endpoint) throw notFound('WebhookEndpoint', id);
  return endpoint;
}

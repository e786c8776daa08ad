import type { Kysely } from 'kysely';
import { loaderById } from '../graphql/loaders.ts';
import type { WebhookDatabase } from './consumer.ts';
import { isWebhookId } from './repository.ts';

/** Endpoints and events by id, one statement per batch (a page of the delivery log names many). */
export function createWebhookLoaders(db: Kysely<WebhookDatabase>) {
  const valid = (ids: readonly string[]) => ids.filter(isWebhookId);
  return {
    endpoint: loaderById(async (ids) => {
      const wanted = valid(ids);
      return wanted.length === 0 ? [] : db.selectFrom('webhook_endpoint').selectAll().where('id', 'in', wanted).execute();
    }),
    event: loaderById(async (ids) => {
      const wanted = valid(ids);
      if (wanted.length === 0) return [];
      return db.selectFrom('webhook_event').select(['id', 'type', 'occurred_at', 'subject_typename', 'subject_id']).where('id', 'in', wanted).execute();
    }),
    delivery: loaderById(async (ids) => {
      const wanted = valid(ids);
      return wanted.length === 0 ? [] : db.selectFrom('webhook_delivery').selectAll().where('id', 'in', wanted).execute();
    }),
  };
}

export type WebhookLoaders = ReturnType<typeof createWebhookLoaders>;

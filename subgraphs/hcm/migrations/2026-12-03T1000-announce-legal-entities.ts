import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { createEvent } from '../../../lib/events/envelope.ts';
import { appendToOutbox } from '../../../lib/events/outbox.ts';

/**
 * hcm announces legal entities from now on (`hcm.legal_entity.created|changed`): erp keeps each one's currency to
 * convert what it bills. The entities that exist already are announced once, here, as changed, so a consumer that
 * starts keeping them learns every one; a new database has none. The topic and payload are written out rather than
 * imported, so this migration stays what it was when the events change later.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const entities = await db.selectFrom('legal_entity').select(['id', 'code', 'name', 'country', 'currency']).orderBy('code').execute();
  const cause = { correlationId: randomUUID() };
  const now = new Date();
  await appendToOutbox(
    db as unknown as Transaction<any>,
    entities.map((entity) =>
      createEvent('hcm', 'hcm.legal_entity.changed', { typename: 'LegalEntity', id: entity.id }, {
        legalEntityId: entity.id, code: entity.code, name: entity.name, country: entity.country, currency: entity.currency,
      }, cause, now),
    ),
  );
}

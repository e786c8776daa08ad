import type { Kysely } from 'kysely';
import { scopeIdempotencyKeys } from '../../../lib/idempotency.ts';

/** Idempotency keys per caller (lib/idempotency.ts): one caller's key never collides with another's. */
export async function up(db: Kysely<any>): Promise<void> {
  await scopeIdempotencyKeys(db);
}

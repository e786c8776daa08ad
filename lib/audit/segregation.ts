import type { Transaction } from 'kysely';
import type { Identity } from '../auth/identity.ts';
import { DomainError } from '../errors.ts';
import { actorOf } from './record.ts';
import type { AuditTables } from './tables.ts';

/**
 * Duties one person may not both hold on the same document (SEGREGATION_OF_DUTIES): who did the earlier step is
 * read from the audit log, which records it in that step's own transaction, so the check needs no column of its own
 * and holds for documents drafted before the rule was turned on.
 */
export const dutyRules = {
  invoices: { entityType: 'Invoice', earlier: 'draftInvoices', refusal: 'you drafted this invoice; another person must issue it' },
  'credit-notes': { entityType: 'CreditNote', earlier: 'draftCreditNote', refusal: 'you drafted this credit note; another person must issue it' },
} as const;

export type DutyRule = keyof typeof dutyRules;
export const dutyRuleNames = Object.keys(dutyRules) as DutyRule[];

/**
 * Refuses (FORBIDDEN, naming the rule) when `rule` is among `enabled` and the caller — the same worker, or the same
 * API key — did the rule's earlier step on `entityId`. A service acting as itself (erp drafting from an event) shares
 * no duty with anyone.
 */
export async function assertSeparateDuties(
  trx: Transaction<any>,
  identity: Identity,
  enabled: readonly DutyRule[],
  rule: DutyRule,
  entityId: string,
): Promise<void> {
  if (!enabled.includes(rule)) return;
  const caller = actorOf(identity);
  if (!caller.actor_worker_id && !caller.actor_api_key_id) return;
  const { entityType, earlier, refusal } = dutyRules[rule];
  const earlierActors = await (trx as Transaction<AuditTables>)
    .selectFrom('audit_log')
    .select(['actor_worker_id', 'actor_api_key_id'])
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', entityId)
    .where('operation', '=', earlier)
    .execute();
  const sameActor = earlierActors.some(
    (actor) =>
      (caller.actor_worker_id !== null && actor.actor_worker_id === caller.actor_worker_id) ||
      (caller.actor_api_key_id !== null && actor.actor_api_key_id === caller.actor_api_key_id),
  );
  if (sameActor) throw new DomainError('FORBIDDEN', `segregation of duties (${rule}): ${refusal}`, { rule, entityType, entityId });
}

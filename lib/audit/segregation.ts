import type { Kysely, Transaction } from 'kysely';
import type { Identity } from '../auth/identity.ts';
import { DomainError } from '../errors.ts';
import { actorOf, recordAudit } from './record.ts';
import type { AuditTables } from './tables.ts';

/**
 * Duties one person may not both hold (SEGREGATION_OF_DUTIES). For documents, who did the earlier step is read from
 * the audit log, which records it in that step's own transaction, so the check needs no column of its own and holds
 * for documents drafted before the rule was turned on. For billing holds, who approved the time is what erp kept from
 * time's approval event on the billing event (`basis.approval`).
 */
export const dutyRules = {
  invoices: { entityType: 'Invoice', earlier: 'draftInvoices', refusal: 'you drafted this invoice; another person must issue it' },
  'credit-notes': { entityType: 'CreditNote', earlier: 'draftCreditNote', refusal: 'you drafted this credit note; another person must issue it' },
  'billing-holds': { entityType: 'BillingEvent', earlier: 'approveTimeEntries', refusal: 'you approved time whose billing this would release; another person must release it' },
} as const;

export type DutyRule = keyof typeof dutyRules;
export const dutyRuleNames = Object.keys(dutyRules) as DutyRule[];

/**
 * A refusal by a segregation rule. The mutation's transaction rolls back, so nothing it did is kept, but the refusal
 * is evidence an auditor asks for: `transactionalWriter` records it in the audit log in a transaction of its own
 * (`recordRefusal`) before the error reaches the caller.
 */
export class DutyRefusal extends DomainError {
  constructor(
    readonly rule: DutyRule,
    readonly operation: string,
    readonly entityId: string,
    details: Record<string, unknown> = {},
  ) {
    super('FORBIDDEN', `segregation of duties (${rule}): ${dutyRules[rule].refusal}`, { rule, entityType: dutyRules[rule].entityType, entityId, ...details });
  }
}

/** Who the caller is for a duty: their worker or their API key; a service acting as itself shares no duty with anyone. */
function dutyHolder(identity: Identity) {
  const caller = actorOf(identity);
  return caller.actor_worker_id || caller.actor_api_key_id ? caller : null;
}

/**
 * Refuses (`DutyRefusal`, FORBIDDEN naming the rule) when `rule` is among `enabled` and the caller — the same worker,
 * or the same API key — did the rule's earlier step on `entityId`, as the audit log records it.
 */
export async function assertSeparateDuties(
  trx: Transaction<any>,
  identity: Identity,
  enabled: readonly DutyRule[],
  rule: Exclude<DutyRule, 'billing-holds'>,
  operation: string,
  entityId: string,
): Promise<void> {
  if (!enabled.includes(rule)) return;
  const caller = dutyHolder(identity);
  if (!caller) return;
  const { entityType, earlier } = dutyRules[rule];
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
  if (sameActor) throw new DutyRefusal(rule, operation, entityId);
}

/**
 * `billing-holds`: refuses when the caller's worker approved any of the time whose billing events `operation` would
 * release (`approvals`, read only when the rule is on: each event's approver, as its billing event kept it).
 */
export async function assertNotOwnApprovals(
  identity: Identity,
  enabled: readonly DutyRule[],
  operation: string,
  approvals: () => Promise<ReadonlyArray<{ billingEventId: string; approvedBy: string | null }>>,
): Promise<void> {
  if (!enabled.includes('billing-holds') || !identity.workerId) return;
  const own = (await approvals()).filter((approval) => approval.approvedBy === identity.workerId).map((approval) => approval.billingEventId);
  if (own.length > 0) throw new DutyRefusal('billing-holds', operation, own[0], { billingEventIds: own });
}

/**
 * The audit record of a refusal, in a transaction of its own (the refused mutation's rolled back): the operation with
 * `:refused`, the rule and what it protected as the record's fields, the refusal as its reason.
 */
export async function recordRefusal(db: Kysely<any>, scope: { readonly identity: Identity; readonly correlationId?: string }, refusal: DutyRefusal): Promise<void> {
  const { entityType } = dutyRules[refusal.rule];
  await db.transaction().execute((trx) =>
    recordAudit(trx, { identity: scope.identity, correlationId: scope.correlationId ?? 'none' }, {
      entityType,
      entityId: refusal.entityId,
      operation: `${refusal.operation}:refused`,
      before: null,
      after: { rule: refusal.rule, ...(refusal.details.billingEventIds ? { billingEventIds: refusal.details.billingEventIds } : {}) },
      reason: refusal.message,
    }),
  );
}

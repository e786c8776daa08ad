import { creditedHeldReason } from './credit-notes.ts';
import { plannedHeldReasons } from './posting.ts';

/**
 * Every reason a billing event is HELD: the ones it is written with (`plannedHeldReasons`, domain/posting.ts) and
 * CREDITED, which only a credit note sets. The GraphQL enum `BillingHeldReason` (schema/erp.graphql) is this list:
 * resolvers/erp/billing-event.ts fails the typecheck when the two differ, so a new reason is added to both.
 */
export const billingHeldReasons = [...plannedHeldReasons, creditedHeldReason] as const;
export type BillingHeldReason = (typeof billingHeldReasons)[number];

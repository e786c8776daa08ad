/** The topics erp publishes, with their payloads. Consumers import these types, never erp's tables. */
export const erpTopics = {
  billingSetupReady: 'erp.billing_setup.ready',
  billingBlocked: 'erp.billing.blocked',
} as const;

/** Finance can invoice the contract: psa may activate its project (DESIGN §4.1). */
export interface BillingSetupReady {
  contractId: string;
  billingSetupId: string;
}

/** The contract cannot be invoiced yet (e.g. a T&M rate card that prices no role); its project must not activate. */
export interface BillingBlocked {
  contractId: string;
  reason: string;
}

/** The consumer groups erp subscribes with (stable: a group resumes where it stopped). */
export const erpConsumerGroups = {
  billingSetup: 'erp.billing-setup',
} as const;

import type { GraphClient } from '../../lib/graph-client.ts';
import type { BillingMethod } from './tables.ts';

/** A contract's fee as crm holds it: its billing method and amount (null: crm set none). */
export interface ContractFee {
  billingMethod: BillingMethod;
  amount: { amount: string; currency: string } | null;
}

/**
 * Where psa reads a contract's fee (crm's), to refuse a milestone plan that bills past it. Read through the gateway
 * BEFORE the transaction (the embedded database has one session), as FINANCE: a contract's amount is finance's.
 */
export interface ContractFeeFacts {
  /** Null when crm does not know the contract. */
  feeOf(contractId: string, options: { correlationId: string }): Promise<ContractFee | null>;
}

export function createGraphContractFeeFacts(graph: GraphClient): ContractFeeFacts {
  return {
    async feeOf(contractId, { correlationId }) {
      const data = await graph.query<{ contract: ContractFee | null }>(
        `query ContractFee($id: ID!) { contract(id: $id) { billingMethod amount { amount currency } } }`,
        { id: contractId },
        { correlationId },
      );
      return data.contract;
    },
  };
}

import type { GraphClient } from '../../lib/graph-client.ts';

/**
 * What invoicing needs from crm: the country of each customer's billing address, which picks the tax rate (DESIGN §1:
 * rates per legal entity and customer country). Read through the gateway BEFORE the invoicing transaction, never
 * inside it (the embedded database has one session). A customer without a billing address has country null (the
 * legal entity's default rate applies); one crm does not know is absent from the map.
 */
export interface InvoicingFactsSource {
  customerCountries(customerIds: readonly string[], options: { correlationId: string }): Promise<Map<string, string | null>>;
}

/** The largest page the graph serves. */
const pageSize = 500;

/**
 * crm's customers by id in one request to the gateway (pages of the largest size aliased into it, so drafting every
 * contract is still one round trip).
 */
export function createGraphInvoicingFacts(graph: GraphClient): InvoicingFactsSource {
  return {
    async customerCountries(customerIds, { correlationId }) {
      const ids = [...new Set(customerIds)];
      const countries = new Map<string, string | null>();
      if (ids.length === 0) return countries;
      const chunks = Array.from({ length: Math.ceil(ids.length / pageSize) }, (_, i) => ids.slice(i * pageSize, (i + 1) * pageSize));
      const data = await graph.query<Record<string, { nodes: Array<{ id: string; billingAddress: { country: string } | null }> }>>(
        `query CustomerCountries(${chunks.map((_, i) => `$ids${i}: [ID!]!`).join(', ')}) {
          ${chunks.map((_, i) => `chunk${i}: customers(first: ${pageSize}, filter: { ids: $ids${i} }) { nodes { id billingAddress { country } } }`).join('\n')}
        }`,
        Object.fromEntries(chunks.map((chunk, i) => [`ids${i}`, chunk])),
        { correlationId },
      );
      for (const page of Object.values(data)) for (const customer of page.nodes) countries.set(customer.id, customer.billingAddress?.country ?? null);
      return countries;
    },
  };
}

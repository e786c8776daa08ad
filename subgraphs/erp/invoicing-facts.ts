import type { GraphClient } from '../../lib/graph-client.ts';
import type { InvoiceGrouping } from './tables.ts';

/**
 * What invoicing needs from the rest of the graph: the country of each customer's billing address (crm), which picks
 * the tax rate (DESIGN §1: rates per legal entity and customer country), and the names its group lines print. Read through the gateway BEFORE the invoicing transaction, never
 * inside it (the embedded database has one session). A customer without a billing address has country null (the
 * legal entity's default rate applies); one crm does not know is absent from the map.
 */
export interface InvoicingFactsSource {
  customerCountries(customerIds: readonly string[], options: { correlationId: string }): Promise<Map<string, string | null>>;
  /**
   * The names a grouped invoice prints on its group lines (psa's projects and tasks, hcm's roles and workers), per
   * grouping, by id; one psa or hcm does not know is absent. Read, like the countries, before the drafting transaction.
   */
  groupLabels(keys: GroupLabelKeys, options: { correlationId: string }): Promise<GroupLabels>;
}

/** The groupings whose group lines are named after a record of another subgraph. */
export type LabelledGrouping = Exclude<InvoiceGrouping, 'PER_ENTRY'>;
export type GroupLabelKeys = Readonly<Record<LabelledGrouping, readonly string[]>>;
export type GroupLabels = Readonly<Record<LabelledGrouping, ReadonlyMap<string, string>>>;

/** What each grouping is named after: the root field that reads one by id (every one a DataLoader in its subgraph). */
const labelFields: Readonly<Record<LabelledGrouping, { alias: string; field: string }>> = {
  BY_PROJECT: { alias: 'p', field: 'project' },
  BY_ROLE: { alias: 'r', field: 'role' },
  BY_WORKER: { alias: 'w', field: 'worker' },
  BY_TASK: { alias: 't', field: 'task' },
};

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

    /**
     * Every name in one request to the gateway: an aliased `project(id:)`, `role(id:)`, `worker(id:)` or `task(id:)`
     * per id (psa and hcm batch each kind into one statement; psa has no list of tasks by id, hcm none of roles).
     */
    async groupLabels(keys, { correlationId }) {
      const groupings = Object.keys(labelFields) as LabelledGrouping[];
      const ids = Object.fromEntries(groupings.map((grouping) => [grouping, [...new Set(keys[grouping])]])) as Record<LabelledGrouping, string[]>;
      const labels = Object.fromEntries(groupings.map((grouping) => [grouping, new Map<string, string>()])) as Record<LabelledGrouping, Map<string, string>>;
      const asked = groupings.flatMap((grouping) => ids[grouping].map((id, index) => ({ grouping, id, alias: `${labelFields[grouping].alias}${index}` })));
      if (asked.length === 0) return labels;
      const data = await graph.query<Record<string, { name: string } | null>>(
        `query GroupLabels(${asked.map(({ alias }) => `$${alias}: ID!`).join(', ')}) {
          ${asked.map(({ grouping, alias }) => `${alias}: ${labelFields[grouping].field}(id: $${alias}) { name }`).join('\n')}
        }`,
        Object.fromEntries(asked.map(({ alias, id }) => [alias, id])),
        { correlationId },
      );
      for (const { grouping, id, alias } of asked) if (data[alias]) labels[grouping].set(id, data[alias].name);
      return labels;
    },
  };
}

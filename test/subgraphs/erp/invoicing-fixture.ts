import { randomUUID } from 'node:crypto';
import type { Identity } from '../../../lib/auth/identity.ts';
import { createEvent } from '../../../lib/events/envelope.ts';
import { crmTopics, type ContractCreated } from '../../../subgraphs/crm/index.ts';
import type { InvoicingFactsSource } from '../../../subgraphs/erp/index.ts';
import type { GroupLabelKeys } from '../../../subgraphs/erp/invoicing-facts.ts';
import { dataOf, type GraphQLResponse } from '../../support/subgraph-harness.ts';
import { finance } from './fixtures.ts';
import { startPosting, type PostingHarness } from './posting-fixture.ts';

/**
 * erp fed synthetic approvals through its posting consumer (posting-fixture.ts), with crm's customer countries served
 * by a fake (cust-1 in DE, cust-2 in FR, cust-3 without a billing address) and le-de's tax rates: 19 % for German
 * customers, 0 % by default. Contract C.eur (cust-1, le-de, EUR) comes with the posting fixture.
 */
export const countries = new Map<string, string | null>([['cust-1', 'DE'], ['cust-2', 'FR'], ['cust-3', null]]);

/** The names psa and hcm would give: a project, role, worker or task is called "<kind> <id>". */
export const nameOf = (kind: string, id: string) => `${kind} ${id}`;

export interface FakeInvoicingFacts extends InvoicingFactsSource {
  requests: string[][];
  labelRequests: GroupLabelKeys[];
}

export function fakeInvoicingFacts(): FakeInvoicingFacts {
  const named = (kind: string, ids: readonly string[]) => new Map(ids.map((id) => [id, nameOf(kind, id)]));
  const source: FakeInvoicingFacts = {
    requests: [],
    labelRequests: [],
    async customerCountries(ids) {
      source.requests.push([...ids]);
      return new Map(ids.filter((id) => countries.has(id)).map((id) => [id, countries.get(id)!]));
    },
    async groupLabels(keys) {
      source.labelRequests.push(keys);
      return { BY_PROJECT: named('project', keys.BY_PROJECT), BY_ROLE: named('role', keys.BY_ROLE), BY_WORKER: named('worker', keys.BY_WORKER), BY_TASK: named('task', keys.BY_TASK) };
    },
  };
  return source;
}

export interface InvoicingHarness extends PostingHarness {
  invoicingFacts: FakeInvoicingFacts;
  /** Announces a contract as crm would, so erp creates its billing setup. */
  contract(values: { id: string; customerId: string; legalEntityId?: string; currency?: string }): Promise<void>;
  draft(input: Record<string, unknown>, identity?: Identity, key?: string): Promise<GraphQLResponse>;
  issue(id: string, input?: Record<string, unknown>, identity?: Identity, key?: string): Promise<GraphQLResponse>;
  void(id: string, reason?: string, identity?: Identity): Promise<GraphQLResponse>;
  pay(input: Record<string, unknown>, identity?: Identity, key?: string): Promise<GraphQLResponse>;
  invoice(id: string): Promise<any>;
  billingStatus(timeEntryId: string): Promise<string>;
}

export const invoiceFields = `id number status currency grouping periodStart periodEnd issueDate dueDate taxRatePercent voidReason
  subtotal { amount currency } taxTotal { amount } total { amount } amountPaid { amount } balance { amount }
  customer { id } contract { id }
  lines { sourceType sourceId quantity unitPrice { amount } amount { amount } billingEvent { id status } }`;

export async function startInvoicing(): Promise<InvoicingHarness> {
  const invoicingFacts = fakeInvoicingFacts();
  const erp = await startPosting({ invoicingFacts });
  const db = erp.database.db;
  await db
    .insertInto('tax_rate')
    .values([
      { id: 'tax-de', legal_entity_id: 'le-de', customer_country: 'DE', name: 'USt 19%', rate_percent: '19', effective_from: '2020-01-01', effective_to: null },
      { id: 'tax-default', legal_entity_id: 'le-de', customer_country: null, name: 'Reverse charge', rate_percent: '0', effective_from: '2020-01-01', effective_to: null },
    ])
    .execute();
  return Object.assign(erp, {
    invoicingFacts,
    async contract({ id, customerId, legalEntityId = 'le-de', currency = 'EUR' }: { id: string; customerId: string; legalEntityId?: string; currency?: string }) {
      await erp.publish(
        createEvent<ContractCreated>('crm', crmTopics.contractCreated, { typename: 'Contract', id }, {
          contractId: id, rateCardId: `rc-${id}`, customerId, legalEntityId, billingMethod: 'TIME_AND_MATERIALS', currency, startDate: '2026-01-01',
          endDate: null, ratedRoleIds: ['r-dev'],
        }, { correlationId: randomUUID() }, new Date()),
      );
    },
    draft: (input: Record<string, unknown>, identity = finance, key?: string) =>
      erp.call(`mutation($input: DraftInvoicesInput!, $key: String) { draftInvoices(input: $input, idempotencyKey: $key) { ${invoiceFields} } }`, { input, key }, identity),
    issue: (id: string, input?: Record<string, unknown>, identity = finance, key?: string) =>
      erp.call(`mutation($id: ID!, $input: IssueInvoiceInput, $key: String) { issueInvoice(id: $id, input: $input, idempotencyKey: $key) { ${invoiceFields} } }`, { id, input, key }, identity),
    void: (id: string, reason = 'wrong period', identity = finance) =>
      erp.call(`mutation($id: ID!, $reason: String!) { voidInvoice(id: $id, reason: $reason) { ${invoiceFields} } }`, { id, reason }, identity),
    pay: (input: Record<string, unknown>, identity = finance, key?: string) =>
      erp.call(
        `mutation($input: RecordPaymentInput!, $key: String) { recordPayment(input: $input, idempotencyKey: $key) { id amount { amount currency } receivedOn reference invoice { status amountPaid { amount } balance { amount } } } }`,
        { input, key },
        identity,
      ),
    invoice: async (id: string) => dataOf(await erp.call(`query($id: ID!) { invoice(id: $id) { ${invoiceFields} } }`, { id }, finance)).invoice,
    async billingStatus(timeEntryId: string) {
      const result = await erp.call(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on TimeEntry { billing { status } } } }`,
        { r: [{ __typename: 'TimeEntry', id: timeEntryId, billable: true, status: 'APPROVED' }] },
        finance,
      );
      return dataOf(result)._entities[0].billing.status;
    },
  });
}

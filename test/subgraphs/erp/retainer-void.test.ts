import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createEvent } from '../../../lib/events/envelope.ts';
import { crmTopics, type ContractCreated } from '../../../subgraphs/crm/index.ts';
import { dataOf } from '../../support/subgraph-harness.ts';
import { startInvoicing, type InvoicingHarness } from './invoicing-fixture.ts';
import { finance } from './fixtures.ts';
import { C, P, entryApprovalCancelled, entryApproved } from './posting-fixture.ts';

const eur = (amount: string) => ({ amount, currency: 'EUR' });

/**
 * A retainer's overrun is billed as OVERAGE under the time entry's id. When that entry's approval is taken back while
 * the overage sits on an issued invoice, voiding the invoice must not make the overage billable again.
 */
describe('voiding an invoice with a taken-back retainer overrun', () => {
  let erp: InvoicingHarness;
  before(async () => {
    erp = await startInvoicing();
    await erp.publish(
      createEvent<ContractCreated>('crm', crmTopics.contractCreated, { typename: 'Contract', id: C.retainer }, {
        contractId: C.retainer, rateCardId: `rc-${C.retainer}`, customerId: 'cust-6', legalEntityId: 'le-de', billingMethod: 'RETAINER',
        currency: 'EUR', startDate: '2026-11-01', endDate: null, ratedRoleIds: ['r-dev'], amount: null, notToExceed: null,
      }, { correlationId: randomUUID() }, new Date()),
    );
    dataOf(await erp.call(
      `mutation($c: ID!, $input: RecurringTermsInput!) { setRecurringTerms(contractId: $c, input: $input) { id } }`,
      { c: C.retainer, input: { fee: eur('100.00'), overrunPolicy: 'BILL' } },
      finance,
    ));
    dataOf(await erp.call(`mutation { runRecurringBilling(periodEnd: "2026-10-31") { id } }`, {}, finance));
  });
  after(() => erp.close());

  it('the overage goes REVERSED, not back to UNBILLED', async () => {
    // 7.50 h at the frozen 120.00 = 900.00 against a 100.00 balance: 800.00 overruns, billed as OVERAGE.
    const approved = entryApproved({ projectId: P.retainer, date: '2026-11-03', hours: '7.50' });
    await erp.publish(approved);
    const [overage] = await erp.billingEventsOf(approved.data.timeEntryId);
    assert.deepEqual([overage.source_type, overage.status, overage.amount], ['OVERAGE', 'UNBILLED', '800.00']);
    const [invoice] = dataOf(await erp.draft({ periodEnd: '2026-11-05', contractId: C.retainer })).draftInvoices;
    dataOf(await erp.issue(invoice.id));
    await erp.publish(entryApprovalCancelled(approved.data));
    dataOf(await erp.void(invoice.id));
    const events = await erp.billingEventsOf(approved.data.timeEntryId);
    assert.deepEqual(events.map((e) => [e.source_type, e.status]), [['OVERAGE', 'REVERSED']]);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../lib/auth/identity.ts';
import { loadConfig } from '../../lib/config.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * Issue 21 item 4, for invoices and credit notes: with SEGREGATION_OF_DUTIES on, whoever drafted a document may not
 * issue it (FORBIDDEN, naming the rule, nothing written); another person may. Off (the default), one person may do
 * both, as the other billing tests do.
 */
describe('segregation of duties through the gateway', () => {
  const today = new Date().toISOString().slice(0, 10);
  const work = billableWork(planDemoFirm({ scale: 1, today }), today);
  const drafter = { roles: ['FINANCE' as Role], workerId: 'w-drafter' };
  const issuer = { roles: ['FINANCE' as Role], workerId: 'w-issuer' };
  const draft = `mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input) { id total { currency } lines { id sourceId } } }`;
  const issue = `mutation($id: ID!) { issueInvoice(id: $id) { id status number } }`;
  const draftCredit = `mutation($invoiceId: ID!, $lines: [CreditNoteLineInput!]!) { draftCreditNote(invoiceId: $invoiceId, lines: $lines) { id } }`;
  const issueCredit = `mutation($id: ID!) { issueCreditNote(id: $id) { id status } }`;

  /** A fresh approved entry's draft invoice, drafted by `as`. */
  async function draftedInvoice(graph: HubHarness, as: typeof drafter) {
    const entry = await approvedEntry(graph, work, '1.50');
    const contractId = await eventually(async () => {
      const { timeEntry } = dataOf(await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { status billingEvent { contract { id } } } } }`, { id: entry.id }));
      assert.equal(timeEntry.billing.status, 'UNBILLED');
      return timeEntry.billing.billingEvent.contract.id as string;
    });
    const invoices = dataOf(await graph.query(draft, { input: { periodEnd: today, contractId } }, as)).draftInvoices;
    const invoice = invoices.find((drafted: { lines: Array<{ sourceId: string }> }) => drafted.lines.some((line) => line.sourceId === entry.id));
    return { invoice, line: invoice.lines.find((line: { sourceId: string }) => line.sourceId === entry.id) };
  }

  /** The audit log's refusals of `entityType` `entityId`, newest first. */
  const refusalsOf = async (graph: HubHarness, entityType: string, entityId: string) =>
    dataOf(
      await graph.query(
        `query($type: String, $id: ID) { auditTrail(entityType: $type, entityId: $id, first: 10) { nodes { operation reason actor { workerId } changes { field before after } } } }`,
        { type: entityType, id: entityId },
        { roles: ['ADMIN'] },
      ),
    ).auditTrail.nodes.filter((node: { operation: string }) => node.operation.endsWith(':refused'));

  describe('with SEGREGATION_OF_DUTIES=all', () => {
    let graph: HubHarness;
    before(async () => {
      graph = await startTestHub({ seed: { scale: 1 }, config: loadConfig({ SEGREGATION_OF_DUTIES: 'all' }) });
    });
    after(() => graph.close());

    it('refuses the drafter issuing an invoice or a credit note, and lets another person issue them', async () => {
      const { invoice, line } = await draftedInvoice(graph, drafter);
      const refused = await graph.query(issue, { id: invoice.id }, drafter);
      assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      assert.match(refused.errors![0].message, /segregation of duties \(invoices\): you drafted this invoice/);
      const stillDraft = dataOf(await graph.query(`query($id: ID!) { invoice(id: $id) { status number } }`, { id: invoice.id }, issuer)).invoice;
      assert.deepEqual(stillDraft, { status: 'DRAFT', number: null });

      const issued = dataOf(await graph.query(issue, { id: invoice.id }, issuer)).issueInvoice;
      assert.equal(issued.status, 'ISSUED');
      assert.match(issued.number, /^INV-/);

      const credit = dataOf(
        await graph.query(draftCredit, { invoiceId: invoice.id, lines: [{ invoiceLineId: line.id, amount: { amount: '1.00', currency: invoice.total.currency }, reason: 'goodwill' }] }, issuer),
      ).draftCreditNote;
      const creditRefused = await graph.query(issueCredit, { id: credit.id }, issuer);
      assert.equal(creditRefused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      assert.match(creditRefused.errors![0].message, /segregation of duties \(credit-notes\)/);
      assert.equal(dataOf(await graph.query(issueCredit, { id: credit.id }, drafter)).issueCreditNote.status, 'ISSUED');

      // The refusals are in the audit log although the refused mutations wrote nothing.
      const [invoiceRefusal] = await refusalsOf(graph, 'Invoice', invoice.id);
      assert.deepEqual([invoiceRefusal.operation, invoiceRefusal.actor.workerId], ['issueInvoice:refused', drafter.workerId]);
      assert.match(invoiceRefusal.reason, /segregation of duties \(invoices\)/);
      assert.deepEqual(invoiceRefusal.changes, [{ field: 'rule', before: 'null', after: '"invoices"' }]);
      const [creditRefusal] = await refusalsOf(graph, 'CreditNote', credit.id);
      assert.deepEqual([creditRefusal.operation, creditRefusal.actor.workerId], ['issueCreditNote:refused', issuer.workerId]);
    });

    it('refuses whoever approved held time releasing its billing, logs the refusal, and lets another person release it', async () => {
      const contractId = planDemoFirm({ scale: 1, today }).projects.find((p) => p.id === work.assignment.projectId)!.contractId;
      const approverInFinance = { roles: ['WORKER' as Role, 'MANAGER' as Role, 'FINANCE' as Role], workerId: work.worker.managerId };
      const otherFinance = { roles: ['FINANCE' as Role], workerId: 'w-controller' };
      const setCap = async (cap: string) => dataOf(await graph.query(`mutation($id: ID!, $cap: Decimal) { updateContract(id: $id, input: { notToExceed: $cap }) { id } }`, { id: contractId, cap }));
      const usage = async () =>
        dataOf(await graph.query(`query($id: ID!) { contract(id: $id) { billingSetup { capUsage { cap { amount } billed { amount } unbilled { amount } } } } }`, { id: contractId })).contract.billingSetup.capUsage;
      const eventOf = async (id: string) =>
        dataOf(await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { billingEvent { id status amount { amount } } } } }`, { id })).timeEntry.billing.billingEvent;
      const cents = (value: string) => BigInt(value.replace('.', ''));
      const amountOf = (scaled: bigint) => `${scaled / 100n}.${String(scaled % 100n).padStart(2, '0')}`;

      await setCap('0');
      const used = await eventually(async () => {
        const current = await usage();
        assert.equal(current?.cap.amount, '0.00');
        return cents(current.billed.amount) + cents(current.unbilled.amount);
      });
      const first = await approvedEntry(graph, work, '1.00');
      const second = await approvedEntry(graph, work, '1.00');
      const held = await eventually(async () => {
        const events = [await eventOf(first.id), await eventOf(second.id)];
        for (const event of events) assert.equal(event?.status, 'HELD');
        return events;
      });
      // Room for the first only (released by erp on crm's event: a service binds nobody), then its approval taken back.
      await setCap(amountOf(used + cents(held[0].amount.amount)));
      await eventually(async () => assert.deepEqual([(await eventOf(first.id)).status, (await eventOf(second.id)).status], ['UNBILLED', 'HELD']));
      dataOf(await graph.query(`mutation($ids: [ID!]!) { cancelTimeEntryApprovals(ids: $ids, reason: "wrong day") { id } }`, { ids: [first.id] }, work.asManager));
      await eventually(async () => assert.equal((await eventOf(first.id)).status, 'REVERSED'));

      const release = `mutation($c: ID!) { releaseHeldBillingEvents(contractId: $c) { id status } }`;
      const refused = await graph.query(release, { c: contractId }, approverInFinance);
      assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      assert.match(refused.errors![0].message, /segregation of duties \(billing-holds\): you approved time/);
      assert.equal((await eventOf(second.id)).status, 'HELD', 'nothing was released');
      const [refusal] = await refusalsOf(graph, 'BillingEvent', held[1].id);
      assert.deepEqual([refusal.operation, refusal.actor.workerId], ['releaseHeldBillingEvents:refused', work.worker.managerId]);

      assert.deepEqual(dataOf(await graph.query(release, { c: contractId }, otherFinance)).releaseHeldBillingEvents, [{ id: held[1].id, status: 'UNBILLED' }]);
    });
  });

  describe('off (the default)', () => {
    let graph: HubHarness;
    before(async () => {
      graph = await startTestHub({ seed: { scale: 1 }, config: loadConfig({}) });
    });
    after(() => graph.close());

    it('lets one person draft and issue', async () => {
      const { invoice } = await draftedInvoice(graph, drafter);
      assert.equal(dataOf(await graph.query(issue, { id: invoice.id }, drafter)).issueInvoice.status, 'ISSUED');
    });
  });
});

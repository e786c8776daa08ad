import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Role } from '../../lib/auth/identity.ts';
import { removeExpiredAuditRecords, setAuditRetention } from '../../lib/audit/retention.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

const trailQuery = `query($entityType: String, $entityId: ID, $from: DateTime, $to: DateTime, $actor: ID, $first: Int, $after: String) {
  auditTrail(entityType: $entityType, entityId: $entityId, from: $from, to: $to, actor: $actor, first: $first, after: $after) {
    totalCount
    nodes {
      id subgraph recordedAt entityType entityId operation correlationId reason
      actor { workerId roles apiKeyId service }
      changes { field before after }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface AuditNode {
  id: string;
  subgraph: string;
  recordedAt: string;
  entityType: string;
  entityId: string;
  operation: string;
  correlationId: string;
  reason: string | null;
  actor: { workerId: string | null; roles: string[]; apiKeyId: string | null; service: string | null };
  changes: Array<{ field: string; before: string; after: string }>;
}

/** A record's changes as `{ field: [before, after] }`, the values parsed back from their JSON text. */
const changesOf = (node: AuditNode) =>
  Object.fromEntries(node.changes.map((change) => [change.field, [JSON.parse(change.before), JSON.parse(change.after)]]));

/**
 * Issue 21 item 2 through the gateway: every mutation that changes financial master data or a financial document
 * leaves exactly one audit record, in its own transaction, with the changed fields before and after; a refused one
 * leaves none; the trail pages and filters across the subgraphs, is ADMIN's and FINANCE's only, exports as CSV and
 * JSON lines, and the table refuses every UPDATE and every DELETE but the removal of expired records.
 */
describe('the audit trail through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const work = billableWork(planDemoFirm({ scale: 1, today }), today);
  const finance = { roles: ['FINANCE' as Role], workerId: 'w-controller' };
  let customerId: string;
  let legalEntityId: string;
  let roleIds: string[];

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
    const seeded = dataOf(
      await graph.query(`{
        customers(first: 1) { nodes { id } }
        legalEntities(first: 1) { nodes { id } }
        roles(first: 2) { nodes { id } }
      }`),
    );
    customerId = seeded.customers.nodes[0].id;
    legalEntityId = seeded.legalEntities.nodes[0].id;
    roleIds = seeded.roles.nodes.map((role: { id: string }) => role.id);
  });
  after(() => graph.close());

  const ok = async (query: string, variables: Record<string, unknown> = {}, as: Parameters<HubHarness['query']>[2] = finance) =>
    dataOf(await graph.query(query, variables, as));
  const trailOf = async (entityType: string, entityId: string): Promise<AuditNode[]> =>
    (await ok(trailQuery, { entityType, entityId, first: 500 })).auditTrail.nodes;
  const auditRows = (subgraph: keyof HubHarness['hub']['subgraphs']) =>
    graph.hub.subgraphs[subgraph].database.db as unknown as Kysely<any>;

  /** The only record of `entityType` `entityId` written by `operation`, asserting it is the only one. */
  const onlyRecord = async (entityType: string, entityId: string, operation: string) => {
    const records = (await trailOf(entityType, entityId)).filter((node) => node.operation === operation);
    assert.equal(records.length, 1, `one ${operation} record of ${entityType} ${entityId}`);
    return records[0];
  };

  let contractNumber = 0;
  const createContract = async (billingMethod = 'TIME_AND_MATERIALS') => {
    contractNumber += 1;
    const { createContract } = await ok(
      `mutation($input: CreateContractInput!) { createContract(input: $input) { id rateCard { id } } }`,
      {
        input: {
          customerId, legalEntityId, number: `AUD-${contractNumber}`, name: 'Audited work', billingMethod,
          currency: 'USD', soldHours: '100', amount: '15000', startDate: '2026-01-01',
          rates: [{ roleId: roleIds[0], billRate: '150', effectiveFrom: '2026-01-01' }],
        },
      },
    );
    return { id: createContract.id as string, rateCardId: createContract.rateCard.id as string };
  };
  /** erp's billing setup of a contract, once it has prepared it from crm's event. */
  const setupOf = (contractId: string) =>
    eventually(async () => {
      const { billingSetup } = await ok(`query($id: ID!) { billingSetup(contractId: $id) { id } }`, { id: contractId });
      assert.ok(billingSetup, 'erp has prepared the billing setup');
      return billingSetup.id as string;
    });

  describe('crm: contracts, amendments and rate cards', () => {
    it('records a contract created, amended, updated and a rate added, each once, with the fields before and after', async () => {
      const contract = await createContract();
      const [created] = await trailOf('Contract', contract.id);
      assert.equal(created.operation, 'createContract');
      assert.equal(created.subgraph, 'crm');
      assert.deepEqual(created.actor, { workerId: 'w-controller', roles: ['FINANCE'], apiKeyId: null, service: null });
      assert.deepEqual(changesOf(created).amount, [null, '15000'], 'a creation lists the values as written');
      assert.deepEqual(changesOf(created).number, [null, `AUD-${contractNumber}`]);

      await ok(
        `mutation($id: ID!, $input: AmendContractInput!) { amendContract(id: $id, input: $input) { id } }`,
        { id: contract.id, input: { effectiveDate: '2026-03-01', description: 'Phase 2 added', amountDelta: '5000', soldHoursDelta: '20' } },
      );
      const amended = await trailOf('Contract', contract.id);
      assert.equal(amended.length, 2);
      assert.equal(amended[0].operation, 'amendContract');
      assert.equal(amended[0].reason, 'Phase 2 added');
      const amendment = changesOf(amended[0]);
      assert.deepEqual(amendment.amount, ['15000.00', '20000.00']);
      assert.deepEqual(amendment.soldHours, ['100.00', '120.00']);
      assert.equal(amendment.endDate, undefined, 'a field the amendment left alone is not listed');

      await ok(`mutation($id: ID!) { updateContract(id: $id, input: { notToExceed: "25000" }) { id } }`, { id: contract.id });
      const [updated] = await trailOf('Contract', contract.id);
      assert.equal(updated.operation, 'updateContract');
      assert.deepEqual(changesOf(updated), { notToExceed: [null, '25000'] });

      await ok(
        `mutation($id: ID!, $input: RateInput!) { addRateCardRate(rateCardId: $id, input: $input) { id } }`,
        { id: contract.rateCardId, input: { roleId: roleIds[1], billRate: '175', effectiveFrom: '2026-01-01' } },
      );
      const rates = await trailOf('RateCard', contract.rateCardId);
      assert.equal(rates.length, 1);
      assert.equal(rates[0].operation, 'addRateCardRate');
      const [ratesBefore, ratesAfter] = changesOf(rates[0]).rates;
      assert.equal(ratesBefore.length, 1);
      assert.deepEqual(ratesAfter[1], { roleId: roleIds[1], billRate: '175.00', effectiveFrom: '2026-01-01', effectiveTo: null });
    });

    it('leaves no record for a refused mutation, nor for an update that changes nothing', async () => {
      const contract = await createContract();
      const refused = await graph.query(
        `mutation($id: ID!, $input: AmendContractInput!) { amendContract(id: $id, input: $input) { id } }`,
        { id: contract.id, input: { effectiveDate: '2026-03-01', description: 'Too much', amountDelta: '-99999' } },
        finance,
      );
      assert.equal(refused.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      await ok(`mutation($id: ID!) { updateContract(id: $id, input: { name: "Audited work" }) { id } }`, { id: contract.id });
      assert.deepEqual((await trailOf('Contract', contract.id)).map((node) => node.operation), ['createContract']);
    });
  });

  describe('hcm: cost rates, API keys and webhooks', () => {
    it('records a cost rate added, and an API key created, used and revoked, naming the key as the actor', async () => {
      const { worker } = await ok(
        `query($id: ID!) { worker(id: $id) { role { id } costCenter { id } legalEntity { id currency } calendar { id } } }`,
        { id: work.worker.id },
      );
      const addRate = `mutation($id: ID!, $input: CostRateInput!) { addWorkerCostRate(workerId: $id, input: $input) { id } }`;
      const currency = worker.legalEntity.currency;
      const clash = await graph.query(addRate, { id: work.worker.id, input: { amount: '61.50', currency, effectiveFrom: '2091-01-01' } }, finance);
      assert.equal(clash.errors?.[0]?.extensions?.code, 'CONFLICT', 'the seeded rate is open-ended');
      assert.equal((await trailOf('Worker', work.worker.id)).length, 0, 'a refused change leaves no record');

      const suffix = randomUUID().slice(0, 8);
      const { createWorker } = await ok(
        `mutation($input: CreateWorkerInput!) { createWorker(input: $input) { id } }`,
        {
          input: {
            employeeNumber: `AUD-${suffix}`, name: 'Ada Audit', email: `ada.${suffix}@example.com`, kind: 'EMPLOYEE', roleId: worker.role.id,
            costCenterId: worker.costCenter.id, legalEntityId: worker.legalEntity.id, location: 'London', calendarId: worker.calendar.id,
            hireDate: '2026-01-01',
          },
        },
        { roles: ['ADMIN'] },
      );
      await ok(addRate, { id: createWorker.id, input: { amount: '60', currency, effectiveFrom: '2026-01-01', effectiveTo: '2026-06-30' } });
      await ok(addRate, { id: createWorker.id, input: { amount: '61.50', currency, effectiveFrom: '2026-07-01' } });
      const records = await trailOf('Worker', createWorker.id);
      assert.deepEqual(records.map((node) => node.operation), ['addWorkerCostRate', 'addWorkerCostRate']);
      const [ratesBefore, ratesAfter] = changesOf(records[0]).costRates;
      assert.equal(ratesBefore.length, 1);
      assert.deepEqual(ratesAfter.map(({ id: _id, ...rate }: { id: string }) => rate), [
        { amount: '60.00', currency, effectiveFrom: '2026-01-01', effectiveTo: '2026-06-30' },
        { amount: '61.50', currency, effectiveFrom: '2026-07-01', effectiveTo: null },
      ]);

      const admin = { roles: ['ADMIN' as Role], workerId: 'w-admin' };
      const { createApiKey } = await ok(
        `mutation { createApiKey(input: { name: "ledger sync", roles: [FINANCE] }) { secret apiKey { id } } }`, {}, admin,
      );
      const keyId = createApiKey.apiKey.id;
      const created = await onlyRecord('ApiKey', keyId, 'createApiKey');
      assert.deepEqual(changesOf(created).roles, [null, ['FINANCE']]);
      assert.equal(changesOf(created).secretHash, undefined, 'the secret stays out of the log');

      const response = await fetch(graph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${createApiKey.secret}` },
        body: JSON.stringify({
          query: `mutation($input: CreateTaxRateInput!) { createTaxRate(input: $input) { id } }`,
          variables: { input: { legalEntityId, name: 'Key VAT', ratePercent: '7', effectiveFrom: '2093-01-01', customerCountry: 'NZ' } },
        }),
      });
      const taxRateId = dataOf((await response.json()) as any).createTaxRate.id;
      const byKey = await onlyRecord('TaxRate', taxRateId, 'createTaxRate');
      assert.deepEqual(byKey.actor, { workerId: null, roles: ['FINANCE'], apiKeyId: keyId, service: null });
      assert.equal((await ok(trailQuery, { actor: keyId })).auditTrail.totalCount, 1, 'filtered by the key as actor');

      await ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: keyId }, admin);
      const revoked = await onlyRecord('ApiKey', keyId, 'revokeApiKey');
      assert.equal(changesOf(revoked).revokedAt[0], null);
      assert.equal(changesOf(revoked).revokedBy[1], 'w-admin');
    });

    it('records a webhook endpoint registered, changed, disabled, its secret rotated and deleted, never its secret', async () => {
      const admin = { roles: ['ADMIN' as Role], workerId: 'w-admin' };
      const { registerWebhookEndpoint } = await ok(
        `mutation { registerWebhookEndpoint(input: { url: "http://127.0.0.1:9/audit", eventTypes: ["erp.invoice.issued"] }) { endpoint { id } } }`,
        {}, admin,
      );
      const id = registerWebhookEndpoint.endpoint.id;
      await ok(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { description: "ledger" }) { id } }`, { id }, admin);
      await ok(`mutation($id: ID!) { disableWebhookEndpoint(id: $id, reason: "ledger is down") { id } }`, { id }, admin);
      await ok(`mutation($id: ID!) { enableWebhookEndpoint(id: $id) { id } }`, { id }, admin);
      await ok(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { endpoint { id } } }`, { id }, admin);
      await ok(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id }, admin);
      const records = await trailOf('WebhookEndpoint', id);
      assert.deepEqual(records.map((node) => node.operation), [
        'deleteWebhookEndpoint', 'rotateWebhookSecret', 'enableWebhookEndpoint', 'disableWebhookEndpoint', 'updateWebhookEndpoint',
        'registerWebhookEndpoint',
      ]);
      assert.deepEqual(changesOf(records[4]), { description: [null, 'ledger'] });
      assert.equal(records[3].reason, 'ledger is down');
      assert.deepEqual(changesOf(records[3]).status, ['ENABLED', 'DISABLED']);
      assert.deepEqual(changesOf(records[2]).status, ['DISABLED', 'ENABLED']);
      assert.ok(records.every((node) => node.changes.every((change) => !/secret"?$/i.test(change.field))), 'no secret in any record');
      assert.equal(changesOf(records[0]).url[1], null, 'a removal lists the fields before, none after');
    });
  });

  describe('psa: bill-rate overrides and milestones', () => {
    it("records an assignment's bill-rate override and a milestone's amount, not the rest of staffing", async () => {
      const admin = { roles: ['ADMIN' as Role], workerId: 'w-admin' };
      const id = work.assignment.id;
      const before = (await trailOf('Assignment', id)).length;
      await ok(`mutation($id: ID!) { updateAssignment(id: $id, input: { plannedHours: "41" }) { id } }`, { id }, admin);
      assert.equal((await trailOf('Assignment', id)).length, before, 'planned hours are staffing, not a rate');
      await ok(`mutation($id: ID!) { updateAssignment(id: $id, input: { billRateOverride: "199" }) { id } }`, { id }, admin);
      const [override] = await trailOf('Assignment', id);
      assert.equal(override.subgraph, 'psa');
      assert.equal(override.operation, 'updateAssignment');
      assert.deepEqual(changesOf(override).billRateOverride[1], '199');

      const { createMilestone } = await ok(
        `mutation($input: CreateMilestoneInput!) { createMilestone(input: $input) { id } }`,
        { input: { projectId: work.assignment.projectId, name: 'Audit sign-off', amount: '1200', dueDate: '2026-12-31' } },
        admin,
      );
      assert.deepEqual(changesOf(await onlyRecord('Milestone', createMilestone.id, 'createMilestone')).amount, [null, '1200']);
      await ok(`mutation($id: ID!) { updateMilestone(id: $id, input: { amount: "1500" }) { id } }`, { id: createMilestone.id }, admin);
      assert.deepEqual(changesOf(await onlyRecord('Milestone', createMilestone.id, 'updateMilestone')), { amount: ['1200.00', '1500'] });
    });
  });

  describe('time: period locks', () => {
    it('records a period closed and reopened', async () => {
      const { closePeriod } = await ok(
        `mutation($le: ID!) { closePeriod(legalEntityId: $le, periodStart: "2020-01-01", periodEnd: "2020-01-31") { id } }`,
        { le: legalEntityId },
      );
      const closed = await onlyRecord('PeriodLock', closePeriod.id, 'closePeriod');
      assert.equal(closed.subgraph, 'time');
      assert.deepEqual(changesOf(closed).status, [null, 'CLOSED']);
      await ok(`mutation($id: ID!) { reopenPeriod(id: $id) { id } }`, { id: closePeriod.id });
      const reopened = await onlyRecord('PeriodLock', closePeriod.id, 'reopenPeriod');
      assert.deepEqual(changesOf(reopened).status, ['CLOSED', 'OPEN']);
      assert.deepEqual(changesOf(reopened).reopenedBy, [null, 'w-controller']);
      const again = await graph.query(`mutation($id: ID!) { reopenPeriod(id: $id) { id } }`, { id: closePeriod.id }, finance);
      assert.ok(again.errors?.length, 'an open period is not reopened');
      assert.equal((await trailOf('PeriodLock', closePeriod.id)).length, 2, 'the refusal left no record');
    });
  });

  describe('erp: tax and FX rates, billing setups, invoices, payments and credit notes', () => {
    it('records tax and FX rates created and changed', async () => {
      const { createTaxRate } = await ok(
        `mutation($input: CreateTaxRateInput!) { createTaxRate(input: $input) { id } }`,
        { input: { legalEntityId, name: 'Audit VAT', ratePercent: '19', effectiveFrom: '2090-01-01', customerCountry: 'AU' } },
      );
      assert.equal((await onlyRecord('TaxRate', createTaxRate.id, 'createTaxRate')).subgraph, 'erp');
      await ok(`mutation($id: ID!) { updateTaxRate(id: $id, input: { ratePercent: "21" }) { id } }`, { id: createTaxRate.id });
      assert.deepEqual(changesOf(await onlyRecord('TaxRate', createTaxRate.id, 'updateTaxRate')), { ratePercent: ['19.0000', '21'] });

      const { createFxRate } = await ok(
        `mutation { createFxRate(input: { fromCurrency: "CHF", toCurrency: "JPY", rate: "170.5", effectiveFrom: "2090-01-01" }) { id } }`,
      );
      assert.deepEqual(changesOf(await onlyRecord('FxRate', createFxRate.id, 'createFxRate')).rate, [null, '170.5']);
      await ok(`mutation($id: ID!) { updateFxRate(id: $id, input: { rate: "171" }) { id } }`, { id: createFxRate.id });
      assert.deepEqual(changesOf(await onlyRecord('FxRate', createFxRate.id, 'updateFxRate')).rate[1], '171');
    });

    it('records billing setups changed: terms, a fixed fee schedule and recurring terms', async () => {
      const plain = await createContract();
      const setupId = await setupOf(plain.id);
      await ok(`mutation($id: ID!) { updateBillingSetup(contractId: $id, input: { paymentTermsDays: 45 }) { id } }`, { id: plain.id });
      assert.deepEqual(changesOf(await onlyRecord('BillingSetup', setupId, 'updateBillingSetup')).paymentTermsDays[1], 45);

      const fixedFee = await createContract('FIXED_FEE');
      const fixedSetup = await setupOf(fixedFee.id);
      await ok(
        `mutation($id: ID!, $lines: [BillingScheduleLineInput!]!) { setBillingSchedule(contractId: $id, lines: $lines) { id } }`,
        { id: fixedFee.id, lines: [{ date: '2026-06-30', amount: { amount: '15000', currency: 'USD' }, description: 'Delivery' }] },
      );
      const [scheduleBefore, scheduleAfter] = changesOf(await onlyRecord('BillingSetup', fixedSetup, 'setBillingSchedule')).schedule;
      assert.deepEqual(scheduleBefore, []);
      assert.deepEqual(scheduleAfter, [{ position: 1, date: '2026-06-30', description: 'Delivery', amount: '15000', currency: 'USD', released: false }]);

      const managed = await createContract('MANAGED_SERVICES');
      const managedSetup = await setupOf(managed.id);
      await ok(
        `mutation($id: ID!) { setRecurringTerms(contractId: $id, input: { fee: { amount: "2000", currency: "USD" }, includedHours: "10",
          overageRate: { amount: "180", currency: "USD" } }) { id } }`,
        { id: managed.id },
      );
      const terms = changesOf(await onlyRecord('BillingSetup', managedSetup, 'setRecurringTerms'));
      assert.deepEqual(terms.recurringFee, [null, '2000']);
    });

    it('records invoices drafted, issued, paid and voided, and credit notes drafted, issued and voided', async () => {
      const entry = await approvedEntry(graph, work, '2.00');
      const contractId = await eventually(async () => {
        const { timeEntry } = await ok(`query($id: ID!) { timeEntry(id: $id) { billing { status billingEvent { contract { id } } } } }`, { id: entry.id });
        assert.equal(timeEntry.billing.status, 'UNBILLED');
        return timeEntry.billing.billingEvent.contract.id as string;
      });
      const draft = `mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input) { id total { amount currency } lines { id sourceId } } }`;
      const [invoice] = (await ok(draft, { input: { periodEnd: today, contractId } })).draftInvoices;
      const drafted = await onlyRecord('Invoice', invoice.id, 'draftInvoices');
      assert.deepEqual(changesOf(drafted).status, [null, 'DRAFT']);
      await ok(`mutation($id: ID!) { issueInvoice(id: $id) { id } }`, { id: invoice.id });
      const issued = changesOf(await onlyRecord('Invoice', invoice.id, 'issueInvoice'));
      assert.deepEqual(issued.status, ['DRAFT', 'ISSUED']);
      assert.match(issued.number[1], /^INV-/);

      await ok(
        `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { id } }`,
        { input: { invoiceId: invoice.id, amount: { amount: '1.00', currency: invoice.total.currency }, receivedOn: today, reference: 'wire 1' } },
      );
      const payment = changesOf(await onlyRecord('Invoice', invoice.id, 'recordPayment'));
      assert.deepEqual(payment.status, ['ISSUED', 'PARTIALLY_PAID']);
      assert.equal(payment.payment[1].amount, '1.00');

      const line = invoice.lines.find((l: { sourceId: string }) => l.sourceId === entry.id);
      const draftCredit = `mutation($invoiceId: ID!, $lines: [CreditNoteLineInput!]!) { draftCreditNote(invoiceId: $invoiceId, lines: $lines) { id } }`;
      const credit = (await ok(draftCredit, {
        invoiceId: invoice.id, lines: [{ invoiceLineId: line.id, amount: { amount: '1.00', currency: invoice.total.currency }, reason: 'goodwill' }],
      })).draftCreditNote;
      assert.deepEqual(changesOf(await onlyRecord('CreditNote', credit.id, 'draftCreditNote')).status, [null, 'DRAFT']);
      await ok(`mutation($id: ID!) { issueCreditNote(id: $id) { id } }`, { id: credit.id });
      assert.deepEqual(changesOf(await onlyRecord('CreditNote', credit.id, 'issueCreditNote')).status, ['DRAFT', 'ISSUED']);
      const withdrawn = (await ok(draftCredit, {
        invoiceId: invoice.id, lines: [{ invoiceLineId: line.id, amount: { amount: '1.00', currency: invoice.total.currency }, reason: 'again' }],
      })).draftCreditNote;
      await ok(`mutation($id: ID!) { voidCreditNote(id: $id, reason: "raised twice") { id } }`, { id: withdrawn.id });
      const voidedNote = await onlyRecord('CreditNote', withdrawn.id, 'voidCreditNote');
      assert.equal(voidedNote.reason, 'raised twice');

      const second = await approvedEntry(graph, work, '1.00');
      await eventually(async () => {
        const { timeEntry } = await ok(`query($id: ID!) { timeEntry(id: $id) { billing { status } } }`, { id: second.id });
        assert.equal(timeEntry.billing.status, 'UNBILLED');
      });
      const [toVoid] = (await ok(draft, { input: { periodEnd: today, contractId } })).draftInvoices;
      await ok(`mutation($id: ID!) { voidInvoice(id: $id, reason: "wrong period") { id } }`, { id: toVoid.id });
      const voided = await onlyRecord('Invoice', toVoid.id, 'voidInvoice');
      assert.equal(voided.reason, 'wrong period');
      assert.deepEqual(changesOf(voided).status, ['DRAFT', 'VOID']);
      assert.equal((await trailOf('Invoice', toVoid.id)).length, 2, 'drafted and voided, nothing else');
    });
  });

  describe('the export', () => {
    it('serves the trail as CSV and JSON lines to FINANCE, and refuses a worker', async () => {
      const contract = await createContract();
      await ok(`mutation($id: ID!) { updateContract(id: $id, input: { notToExceed: "9" }) { id } }`, { id: contract.id });
      const exportAs = async (path: string, roles: Role[]) =>
        fetch(`${graph.url.replace('/graphql', path)}?${new URLSearchParams({ entityType: 'Contract', entityId: contract.id })}`, {
          headers: { authorization: `Bearer ${await graph.token(roles, 'w-controller')}` },
        });
      const csv = await exportAs('/exports/audit.csv', ['FINANCE']);
      assert.equal(csv.status, 200);
      const [header, ...rows] = (await csv.text()).trim().split('\r\n');
      assert.equal(header, 'id,recorded_at,subgraph,entity_type,entity_id,operation,actor_worker_id,actor_roles,actor_api_key_id,actor_service,changes,correlation_id,reason');
      assert.equal(rows.length, 2);
      assert.match(rows[0], /,updateContract,w-controller,FINANCE,/);
      const jsonl = await exportAs('/exports/audit.jsonl', ['FINANCE']);
      const lines = (await jsonl.text()).trim().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(lines.map((line) => line.operation), ['updateContract', 'createContract']);
      assert.deepEqual(JSON.parse(lines[0].changes), { notToExceed: { before: null, after: '9' } });
      assert.equal((await exportAs('/exports/audit.csv', ['WORKER'])).status, 403);
    });
  });

  describe('the trail', () => {
    it('is FORBIDDEN to a worker and a manager, and open to ADMIN', async () => {
      for (const roles of [['WORKER'], ['MANAGER']] as Role[][]) {
        const answer = await graph.query(trailQuery, { first: 1 }, { roles, workerId: 'w-1' });
        assert.equal(answer.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      }
      assert.ok((await ok(trailQuery, { first: 1 }, { roles: ['ADMIN'] })).auditTrail.totalCount > 0);
    });

    it('pages newest first across the subgraphs and filters by actor and time', async () => {
      const start = new Date().toISOString();
      const other = { roles: ['FINANCE' as Role], workerId: 'w-other-controller' };
      const first = await createContract();
      await ok(`mutation($id: ID!) { updateContract(id: $id, input: { notToExceed: "1" }) { id } }`, { id: first.id }, other);
      await ok(`mutation($id: ID!) { updateContract(id: $id, input: { notToExceed: "2" }) { id } }`, { id: first.id }, other);
      const all = (await ok(trailQuery, { from: start, first: 500 })).auditTrail;
      assert.equal(all.totalCount, 3);
      const seen: AuditNode[] = [];
      let cursor: string | null = null;
      do {
        const page: { nodes: AuditNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } =
          (await ok(trailQuery, { from: start, first: 2, after: cursor })).auditTrail;
        seen.push(...page.nodes);
        cursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (cursor);
      assert.deepEqual(seen.map((node) => node.id), all.nodes.map((node: AuditNode) => node.id));
      assert.deepEqual(seen.map((node) => node.operation), ['updateContract', 'updateContract', 'createContract']);
      const byOther = (await ok(trailQuery, { from: start, actor: 'w-other-controller' })).auditTrail;
      assert.equal(byOther.totalCount, 2);
      const beforeStart = (await ok(trailQuery, { to: start, entityId: first.id })).auditTrail;
      assert.equal(beforeStart.totalCount, 0);
    });
  });

  describe('append-only', () => {
    const testRecord = (id: string, recordedAt: Date) => ({
      id, recorded_at: recordedAt, entity_type: 'Retention', entity_id: id, operation: 'test', actor_worker_id: null,
      actor_roles: '[]', actor_api_key_id: null, actor_service: 'test', before: null, after: '{}', correlation_id: 'retention', reason: null,
    });

    it('refuses UPDATE, DELETE and TRUNCATE on the audit table, in every subgraph', async () => {
      const contract = await createContract();
      for (const subgraph of ['crm', 'hcm', 'psa', 'time', 'erp'] as const) {
        const db = auditRows(subgraph);
        // Inserting is what the log is for; a row-level guard has a row to guard only once there is one.
        await db.insertInto('audit_log').values(testRecord(randomUUID(), new Date())).execute();
        await assert.rejects(db.updateTable('audit_log').set({ reason: 'tampered' }).execute(), /append-only/, subgraph);
        await assert.rejects(db.deleteFrom('audit_log').execute(), /append-only/, subgraph);
      }
      const crm = graph.hub.subgraphs.crm.database;
      await assert.rejects(sql`truncate ${sql.id(crm.schema, 'audit_log')}`.execute(crm.db), /append-only/);
      assert.equal((await trailOf('Contract', contract.id)).length, 1);
    });

    it('removes records only once they are older than the retention period', async () => {
      const db = auditRows('psa');
      const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000);
      const [old, recent] = [randomUUID(), randomUUID()];
      await db.insertInto('audit_log').values([testRecord(old, at(40)), testRecord(recent, at(20))]).execute();
      assert.equal(await removeExpiredAuditRecords(db), 0, 'both are younger than the default seven years');
      await setAuditRetention(db, 30);
      await assert.rejects(db.deleteFrom('audit_log').where('id', '=', recent).execute(), /append-only/);
      assert.equal(await removeExpiredAuditRecords(db), 1);
      const left = await db.selectFrom('audit_log').select('id').where('id', 'in', [old, recent]).execute();
      assert.deepEqual(left.map((kept: { id: string }) => kept.id), [recent]);
    });
  });
});

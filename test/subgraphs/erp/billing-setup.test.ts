import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { createEvent, type DomainEvent } from '../../../lib/events/envelope.ts';
import { crmTopics, type ContractCreated } from '../../../subgraphs/crm/index.ts';
import { erpSubgraph, erpTopics, type ErpDatabase } from '../../../subgraphs/erp/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { finance, requestStatements, worker } from './fixtures.ts';

const contractCreated = (overrides: Partial<ContractCreated>): DomainEvent<ContractCreated> =>
  createEvent<ContractCreated>(
    'crm',
    crmTopics.contractCreated,
    { typename: 'Contract', id: overrides.contractId ?? 'x' },
    {
      contractId: randomUUID(),
      rateCardId: randomUUID(),
      customerId: 'customer-1',
      legalEntityId: 'le-de',
      billingMethod: 'TIME_AND_MATERIALS',
      currency: 'EUR',
      startDate: '2026-01-01',
      endDate: null,
      ratedRoleIds: ['consultant'],
      ...overrides,
    },
    { correlationId: randomUUID() },
    new Date(),
  );

describe('erp billing setup (deal to project)', () => {
  let erp: SubgraphHarness<ErpDatabase>;
  before(async () => {
    erp = await startSubgraph(erpSubgraph);
  });
  after(() => erp.close());

  /** crm's relay would publish it; the bus carries untyped payloads. */
  const publish = (event: DomainEvent<ContractCreated>) => erp.bus.publish(event as unknown as DomainEvent);
  const outboxFor = (contractId: string) =>
    erp.database.db.selectFrom('outbox').selectAll().where(sql`data->>'contractId'`, '=', contractId).orderBy('seq').execute();
  const setupsFor = (contractId: string) => erp.database.db.selectFrom('billing_setup').selectAll().where('contract_id', '=', contractId).execute();

  it('prepares a READY setup for a rated T&M contract, announces it, and ignores a replay', async () => {
    const event = contractCreated({ contractId: randomUUID() });
    const { contractId } = event.data;
    await publish(event);
    const [setup] = await setupsFor(contractId);
    assert.equal(setup.status, 'READY');
    assert.equal(setup.blocked_reason, null);
    assert.deepEqual(setup.rated_role_ids, ['consultant']);
    const outbox = await outboxFor(contractId);
    assert.equal(outbox.length, 1);
    assert.equal(outbox[0].type, erpTopics.billingSetupReady);
    assert.deepEqual(outbox[0].data, { contractId, billingSetupId: setup.id });
    assert.equal(outbox[0].causation_id, event.id);
    assert.equal(outbox[0].correlation_id, event.correlationId);

    await publish(event);
    // The same contract announced again under another event id creates nothing either.
    await publish(contractCreated({ contractId, billingMethod: 'RETAINER', ratedRoleIds: [] }));
    assert.equal((await setupsFor(contractId)).length, 1);
    assert.equal((await outboxFor(contractId)).length, 1);
  });

  it('is READY for a fixed fee without rates, BLOCKED with a reason for T&M without rates', async () => {
    const fixed = contractCreated({ contractId: randomUUID(), billingMethod: 'FIXED_FEE', ratedRoleIds: [] });
    const unrated = contractCreated({ contractId: randomUUID(), billingMethod: 'TIME_AND_MATERIALS', ratedRoleIds: [] });
    await publish(fixed);
    await publish(unrated);
    assert.equal((await setupsFor(fixed.data.contractId))[0].status, 'READY');
    assert.equal((await outboxFor(fixed.data.contractId))[0].type, erpTopics.billingSetupReady);
    const [blocked] = await setupsFor(unrated.data.contractId);
    assert.equal(blocked.status, 'BLOCKED');
    assert.match(blocked.blocked_reason!, /prices no role/);
    const [announced] = await outboxFor(unrated.data.contractId);
    assert.equal(announced.type, erpTopics.billingBlocked);
    assert.deepEqual(announced.data, { contractId: unrated.data.contractId, code: 'SETUP_BLOCKED', reason: blocked.blocked_reason, source: null });

    const read = await erp.call(
      `query($id: ID!) { billingSetup(contractId: $id) { status blockedReason billingMethod currency invoiceGrouping paymentTermsDays contract { id } } }`,
      { id: unrated.data.contractId },
      finance,
    );
    assert.deepEqual(read.data.billingSetup, {
      status: 'BLOCKED', blockedReason: blocked.blocked_reason, billingMethod: 'TIME_AND_MATERIALS', currency: 'EUR',
      invoiceGrouping: 'BY_PROJECT', paymentTermsDays: 30, contract: { id: unrated.data.contractId },
    });
    const listed = await erp.call(`{ billingSetups(filter: { status: BLOCKED }) { totalCount nodes { contract { id } } } }`, {}, finance);
    assert.ok(listed.data.billingSetups.nodes.some((node: { contract: { id: string } }) => node.contract.id === unrated.data.contractId));
    assert.ok(listed.data.billingSetups.nodes.every((node: { contract: { id: string } }) => node.contract.id !== fixed.data.contractId));
  });

  it('resolves Contract.billingSetup for many contracts in one statement', async () => {
    const events = [contractCreated({ contractId: randomUUID() }), contractCreated({ contractId: randomUUID(), billingMethod: 'FIXED_FEE' })];
    for (const event of events) await publish(event);
    const representations = [...events.map((event) => ({ __typename: 'Contract', id: event.data.contractId })), { __typename: 'Contract', id: 'no-such' }];
    erp.database.statements.reset();
    const result = await erp.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Contract { id billingSetup { billingMethod status } } } }`,
      { r: representations },
      finance,
    );
    assert.deepEqual(requestStatements(erp.database.statements).length, 1);
    assert.deepEqual(result.data._entities, [
      { id: events[0].data.contractId, billingSetup: { billingMethod: 'TIME_AND_MATERIALS', status: 'READY' } },
      { id: events[1].data.contractId, billingSetup: { billingMethod: 'FIXED_FEE', status: 'READY' } },
      { id: 'no-such', billingSetup: null },
    ]);
  });

  it('updates grouping and payment terms, refusing bad input, unknown contracts and non-finance callers', async () => {
    const event = contractCreated({ contractId: randomUUID() });
    await publish(event);
    const update = `mutation($id: ID!, $input: UpdateBillingSetupInput!) { updateBillingSetup(contractId: $id, input: $input) { invoiceGrouping paymentTermsDays } }`;
    const updated = await erp.call(update, { id: event.data.contractId, input: { invoiceGrouping: 'BY_WORKER', paymentTermsDays: 45 } }, finance);
    assert.deepEqual(updated.data.updateBillingSetup, { invoiceGrouping: 'BY_WORKER', paymentTermsDays: 45 });
    const bad = await erp.call(update, { id: event.data.contractId, input: { paymentTermsDays: 400 } }, finance);
    assert.equal(bad.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const missing = await erp.call(update, { id: 'no-such', input: { paymentTermsDays: 10 } }, finance);
    assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND');
    const denied = await erp.call(update, { id: event.data.contractId, input: { paymentTermsDays: 10 } }, worker);
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    const [setup] = await setupsFor(event.data.contractId);
    assert.equal(setup.payment_terms_days, 45);
    const read = await erp.call(`query($id: ID!) { billingSetup(contractId: $id) { id } }`, { id: event.data.contractId }, worker);
    assert.equal(read.errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.equal(read.data.billingSetup, null);
  });
});

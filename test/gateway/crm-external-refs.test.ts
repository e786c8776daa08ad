import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Issue 17 part 1 in crm, through the gateway: customers, contacts, contracts and rate cards carry their ids in other
 * systems, are found and filtered by them, take them in place of ids in inputs (hcm's roles and legal entities too),
 * and are loaded in bulk by upserts that change nothing, and publish nothing, when given what is already stored.
 */
describe('crm external references and upserts', () => {
  let graph: HubHarness;
  const crmDb = () => graph.hub.subgraphs.crm.database.db;
  const outboxCount = async () =>
    Number((await crmDb().selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const ok = (result: { data?: any; errors?: unknown }): any => {
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  const asFinance = { roles: ['FINANCE' as const] };
  let legalEntityId: string;
  let roleId: string;

  before(async () => {
    graph = await startTestHub();
    const le = ok(
      await graph.query(`mutation { createLegalEntity(input: { code: "XR-DE", name: "Refs GmbH", country: "DE", currency: "EUR",
        externalRefs: [{ system: "workday", id: "LE-DE" }] }) { id } }`),
    );
    legalEntityId = le.createLegalEntity.id;
    const role = ok(
      await graph.query(`mutation { createRole(input: { code: "XR-CONS", name: "Consultant", targetUtilization: "0.8",
        externalRefs: [{ system: "workday", id: "R-CONS" }] }) { id } }`),
    );
    roleId = role.createRole.id;
  });
  after(() => graph.close());

  const upsertCustomers = `mutation($inputs: [CustomerUpsertInput!]!, $key: String) {
    upsertCustomers(inputs: $inputs, idempotencyKey: $key) {
      index outcome error { code field message } customer { id name code status updatedAt parent { id } externalRefs { system id } }
    }
  }`;
  const upsertContracts = `mutation($inputs: [ContractUpsertInput!]!) {
    upsertContracts(inputs: $inputs) {
      index outcome error { code field message }
      contract { id number name status legalEntity { id } customer { id } externalRefs { system id }
        rateCard { id rates { id role { id } billRate { amount } effectiveFrom effectiveTo } } }
    }
  }`;

  it('finds, filters and names records by their references, the deprecated externalIds included', async () => {
    const created = ok(
      await graph.query(`mutation { createCustomer(input: { name: "Acme", code: "XR-ACME", currency: "EUR",
        externalRefs: [{ system: "salesforce", id: "ACC-1" }], externalIds: [{ system: "erp", id: "1001" }] }) { id } }`),
    ).createCustomer;
    const byRef = ok(
      await graph.query(`{ customer(externalRef: { system: "salesforce", id: "ACC-1" }) { id externalRefs { system id } externalIds { system id } } }`),
    ).customer;
    assert.equal(byRef.id, created.id);
    assert.deepEqual(byRef.externalRefs, [{ system: 'erp', id: '1001' }, { system: 'salesforce', id: 'ACC-1' }]);
    assert.deepEqual(byRef.externalIds, byRef.externalRefs);
    assert.equal(ok(await graph.query(`{ customer(externalRef: { system: "salesforce", id: "nope" }) { id } }`)).customer, null);
    const both = await graph.query(`query($id: ID) { customer(id: $id, externalRef: { system: "erp", id: "1001" }) { id } }`, { id: created.id });
    assert.equal(both.errors?.[0].extensions?.code, 'BAD_USER_INPUT');

    const filtered = ok(
      await graph.query(`{ a: customers(filter: { externalRefs: [{ system: "erp", id: "1001" }, { system: "erp", id: "none" }] }) { nodes { id } }
        b: customers(filter: { externalSystem: "salesforce" }) { nodes { id } }
        c: customers(filter: { externalSystem: "hubspot" }) { nodes { id } } }`),
    );
    assert.deepEqual(filtered.a.nodes, [{ id: created.id }]);
    assert.ok(filtered.b.nodes.some((node: { id: string }) => node.id === created.id));
    assert.deepEqual(filtered.c.nodes, []);

    const contact = ok(
      await graph.query(`mutation { createContact(input: { customerRef: { system: "salesforce", id: "ACC-1" }, name: "Wile E.",
        externalRefs: [{ system: "salesforce", id: "CON-1" }] }) { id customer { id } } }`),
    ).createContact;
    assert.equal(contact.customer.id, created.id);
    assert.equal(ok(await graph.query(`{ contact(externalRef: { system: "salesforce", id: "CON-1" }) { id } }`)).contact.id, contact.id);

    // References to hcm's records are resolved through the graph.
    const contract = ok(
      await graph.query(
        `mutation { createContract(input: { customerRef: { system: "erp", id: "1001" }, number: "XR-C1", name: "Acme T&M",
          billingMethod: TIME_AND_MATERIALS, currency: "EUR", legalEntityRef: { system: "workday", id: "LE-DE" }, startDate: "2026-01-01",
          rates: [{ roleRef: { system: "workday", id: "R-CONS" }, billRate: "150", effectiveFrom: "2026-01-01" }],
          externalRefs: [{ system: "salesforce", id: "OPP-C1" }] }) { id legalEntity { id } customer { id } rateCard { rates { role { id } } } } }`,
        {},
        asFinance,
      ),
    ).createContract;
    assert.equal(contract.legalEntity.id, legalEntityId);
    assert.equal(contract.customer.id, created.id);
    assert.equal(contract.rateCard.rates[0].role.id, roleId);
    const unknownRole = await graph.query(
      `mutation { createContract(input: { customerId: "${created.id}", number: "XR-C2", name: "x", billingMethod: TIME_AND_MATERIALS,
        currency: "EUR", legalEntityId: "${legalEntityId}", startDate: "2026-01-01",
        rates: [{ roleRef: { system: "workday", id: "R-NONE" }, billRate: "1", effectiveFrom: "2026-01-01" }] }) { id } }`,
      {},
      asFinance,
    );
    assert.equal(unknownRole.errors?.[0].extensions?.code, 'NOT_FOUND');
    const found = ok(
      await graph.query(`{ contract(externalRef: { system: "salesforce", id: "OPP-C1" }) { id externalRefs { system id } }
        contracts(filter: { externalRefs: [{ system: "salesforce", id: "OPP-C1" }] }) { nodes { id } }
        customer(externalRef: { system: "erp", id: "1001" }) { a: contracts(filter: { externalSystem: "salesforce" }) { nodes { id } }
          b: contracts(filter: { externalSystem: "hubspot" }) { nodes { id } } } }`, {}, asFinance),
    );
    assert.equal(found.contract.id, contract.id);
    assert.deepEqual(found.contracts.nodes, [{ id: contract.id }]);
    assert.deepEqual([found.customer.a.nodes, found.customer.b.nodes], [[{ id: contract.id }], []]);
  });

  it('takes references in an opportunity\'s inputs: its customer, and hcm\'s legal entity and roles', async () => {
    const input = {
      customerRef: { system: 'salesforce', id: 'ACC-1' }, name: 'Acme upsell', probability: 40, billingMethod: 'TIME_AND_MATERIALS',
      legalEntityRef: { system: 'workday', id: 'LE-DE' }, estimatedHours: [{ roleRef: { system: 'workday', id: 'R-CONS' }, hours: '80' }],
    };
    const opportunity = ok(
      await graph.query(`mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { customer { code } legalEntity { id }
        estimatedHours { role { id } hours } } }`, { input }, { roles: ['MANAGER'] }),
    ).createOpportunity;
    assert.deepEqual(opportunity, { customer: { code: 'XR-ACME' }, legalEntity: { id: legalEntityId }, estimatedHours: [{ role: { id: roleId }, hours: '80' }] });
    const both = await graph.query(`mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id } }`,
      { input: { ...input, legalEntityId } }, { roles: ['MANAGER'] });
    assert.deepEqual([both.errors?.[0].extensions?.code, both.errors?.[0].extensions?.field], ['BAD_USER_INPUT', 'legalEntity']);
  });

  it('keeps a reference unique per system: CONFLICT, and nothing written', async () => {
    ok(await graph.query(`mutation { createCustomer(input: { name: "Holder", code: "XR-HOLD", currency: "EUR", externalRefs: [{ system: "hubspot", id: "H-1" }] }) { id } }`));
    const before = await crmDb().selectFrom('customer').select('id').execute();
    const taken = await graph.query(
      `mutation { createCustomer(input: { name: "Thief", code: "XR-THIEF", currency: "EUR", externalRefs: [{ system: "hubspot", id: "H-1" }] }) { id } }`,
    );
    assert.equal(taken.errors?.[0].extensions?.code, 'CONFLICT');
    assert.equal((await crmDb().selectFrom('customer').select('id').execute()).length, before.length);
    const twice = await graph.query(
      `mutation { createCustomer(input: { name: "Twice", code: "XR-TWICE", currency: "EUR", externalRefs: [{ system: "x", id: "1" }, { system: "x", id: "2" }] }) { id } }`,
    );
    assert.equal(twice.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const other = ok(await graph.query(`mutation { createCustomer(input: { name: "Other", code: "XR-OTHER", currency: "EUR" }) { id } }`)).createCustomer;
    const update = await graph.query(
      `mutation($id: ID!) { updateCustomer(id: $id, input: { externalRefs: [{ system: "hubspot", id: "H-1" }] }) { id } }`,
      { id: other.id },
    );
    assert.equal(update.errors?.[0].extensions?.code, 'CONFLICT');
    const upsert = ok(await graph.query(upsertCustomers, { inputs: [{ externalRef: { system: 'hubspot', id: 'H-1' }, id: other.id }] }));
    assert.equal(upsert.upsertCustomers[0].outcome, 'REFUSED');
    assert.equal(upsert.upsertCustomers[0].error.code, 'CONFLICT');
  });

  it('creates, updates, then leaves unchanged, publishing only for changes', async () => {
    const input = {
      externalRef: { system: 'harvest', id: 'C-100' }, name: 'Initech', code: 'XR-INITECH', currency: 'USD',
      billingAddress: { line1: '1 Main St', city: 'Austin', country: 'US' },
    };
    const first = ok(await graph.query(upsertCustomers, { inputs: [input] })).upsertCustomers[0];
    assert.equal(first.outcome, 'CREATED');
    assert.deepEqual(first.customer.externalRefs, [{ system: 'harvest', id: 'C-100' }]);
    const again = ok(await graph.query(upsertCustomers, { inputs: [input] })).upsertCustomers[0];
    assert.equal(again.outcome, 'UNCHANGED');
    assert.equal(again.customer.updatedAt, first.customer.updatedAt);
    const renamed = ok(await graph.query(upsertCustomers, { inputs: [{ externalRef: input.externalRef, name: 'Initech Inc.' }] })).upsertCustomers[0];
    assert.equal(renamed.outcome, 'UPDATED');
    assert.equal(renamed.customer.name, 'Initech Inc.');
    assert.ok(renamed.customer.updatedAt > first.customer.updatedAt);
    const code = ok(await graph.query(upsertCustomers, { inputs: [{ externalRef: input.externalRef, code: 'XR-OTHER-CODE' }] })).upsertCustomers[0];
    assert.deepEqual([code.outcome, code.error.code, code.error.field], ['REFUSED', 'BAD_USER_INPUT', 'code']);

    // Contracts publish: created once, updated once, and nothing for inputs that change nothing.
    const contract = {
      externalRef: { system: 'harvest', id: 'K-100' }, customerRef: input.externalRef, number: 'XR-K100', name: 'Initech retainer',
      billingMethod: 'TIME_AND_MATERIALS', currency: 'USD', legalEntityRef: { system: 'workday', id: 'LE-DE' }, startDate: '2026-02-01',
      notToExceed: '5000', rates: [{ roleRef: { system: 'workday', id: 'R-CONS' }, billRate: '120', effectiveFrom: '2026-02-01' }],
    };
    const events0 = await outboxCount();
    const createdContract = ok(await graph.query(upsertContracts, { inputs: [contract] }, asFinance)).upsertContracts[0];
    assert.equal(createdContract.outcome, 'CREATED', JSON.stringify(createdContract.error));
    assert.equal(await outboxCount(), events0 + 1);
    const statementsBefore = graph.hub.subgraphs.crm.database.statements;
    statementsBefore.reset();
    const same = ok(await graph.query(upsertContracts, { inputs: [contract, { ...contract, notToExceed: '5000.00', rates: [{ ...contract.rates[0], billRate: '120.00' }] }] }, asFinance)).upsertContracts;
    assert.deepEqual(same.map((result: { outcome: string }) => result.outcome), ['UNCHANGED', 'UNCHANGED']);
    assert.equal(await outboxCount(), events0 + 1);
    const writes = statementsBefore.recent.filter((statement) => /^\s*(insert|update|delete)\b/i.test(statement) && !/idempotency_key/.test(statement));
    assert.deepEqual(writes, []);
    const changed = ok(await graph.query(upsertContracts, { inputs: [{ externalRef: contract.externalRef, notToExceed: '6000' }] }, asFinance)).upsertContracts[0];
    assert.equal(changed.outcome, 'UPDATED');
    assert.equal(await outboxCount(), events0 + 2);
    const amend = ok(await graph.query(upsertContracts, { inputs: [{ externalRef: contract.externalRef, amount: '100' }] }, asFinance)).upsertContracts[0];
    assert.deepEqual([amend.outcome, amend.error.field], ['REFUSED', 'amount']);
    assert.equal(await outboxCount(), events0 + 2);
  });

  it('sets a rate card\'s rates as given, keyed by its own reference', async () => {
    const contract = ok(
      await graph.query(upsertContracts, {
        inputs: [{
          externalRef: { system: 'harvest', id: 'K-200' }, customerRef: { system: 'harvest', id: 'C-100' }, number: 'XR-K200', name: 'Rates',
          billingMethod: 'TIME_AND_MATERIALS', currency: 'USD', legalEntityId, startDate: '2026-01-01',
          rates: [{ roleId, billRate: '100', effectiveFrom: '2026-01-01', effectiveTo: '2026-06-30' }],
        }],
      }, asFinance),
    ).upsertContracts[0].contract;
    const upsertRateCards = `mutation($inputs: [RateCardUpsertInput!]!) { upsertRateCards(inputs: $inputs) {
      index outcome error { code field } rateCard { id contract { id } externalRefs { system id } rates { id billRate { amount } effectiveFrom effectiveTo } } } }`;
    const rates = [
      { roleId, billRate: '100', effectiveFrom: '2026-01-01', effectiveTo: '2026-06-30' },
      { roleId, billRate: '110', effectiveFrom: '2026-07-01' },
    ];
    const card = { externalRef: { system: 'harvest', id: 'RC-200' }, contractRef: { system: 'harvest', id: 'K-200' }, rates };
    const first = ok(await graph.query(upsertRateCards, { inputs: [card] }, asFinance)).upsertRateCards[0];
    assert.equal(first.outcome, 'UPDATED', JSON.stringify(first.error));
    assert.equal(first.rateCard.id, contract.rateCard.id);
    assert.equal(first.rateCard.rates[0].id, contract.rateCard.rates[0].id, 'an unchanged rate keeps its id');
    assert.deepEqual(first.rateCard.rates.map((rate: { billRate: { amount: string } }) => rate.billRate.amount), ['100.00', '110.00']);
    const again = ok(await graph.query(upsertRateCards, { inputs: [{ externalRef: card.externalRef, rates }] }, asFinance)).upsertRateCards[0];
    assert.equal(again.outcome, 'UNCHANGED');
    const fewer = ok(await graph.query(upsertRateCards, { inputs: [{ externalRef: card.externalRef, rates: rates.slice(1) }] }, asFinance)).upsertRateCards[0];
    assert.equal(fewer.outcome, 'UPDATED');
    assert.deepEqual(fewer.rateCard.rates.map((rate: { billRate: { amount: string } }) => rate.billRate.amount), ['110.00']);
    const overlap = ok(await graph.query(upsertRateCards, {
      inputs: [{ externalRef: card.externalRef, rates: [rates[1], { roleId, billRate: '1', effectiveFrom: '2026-08-01' }] }],
    }, asFinance)).upsertRateCards[0];
    assert.deepEqual([overlap.outcome, overlap.error.code], ['REFUSED', 'CONFLICT']);
    const orphan = ok(await graph.query(upsertRateCards, { inputs: [{ externalRef: { system: 'harvest', id: 'RC-new' }, rates }] }, asFinance)).upsertRateCards[0];
    assert.deepEqual([orphan.outcome, orphan.error.field], ['REFUSED', 'contractId']);
    assert.equal(ok(await graph.query(`{ rateCard(externalRef: { system: "harvest", id: "RC-200" }) { id } }`, {}, asFinance)).rateCard.id, first.rateCard.id);
  });

  it('lands the good inputs beside a refused one, which writes nothing; parents before children in one batch', async () => {
    const customersBefore = (await crmDb().selectFrom('customer').select('id').execute()).length;
    const results = ok(
      await graph.query(upsertCustomers, {
        inputs: [
          { externalRef: { system: 'kimai', id: 'P-1' }, name: 'Parent Co', code: 'XR-P1', currency: 'EUR' },
          { externalRef: { system: 'kimai', id: 'BAD' }, name: 'No code', currency: 'EUR' },
          // Inserted, then refused on its second reference (another customer's): its row must be rolled back too.
          { externalRef: { system: 'kimai', id: 'BAD-2' }, name: 'Half', code: 'XR-HALF', currency: 'EUR', externalRefs: [{ system: 'hubspot', id: 'H-1' }] },
          { externalRef: { system: 'kimai', id: 'C-1' }, name: 'Child Co', code: 'XR-C1', currency: 'EUR', parentRef: { system: 'kimai', id: 'P-1' } },
        ],
      }),
    ).upsertCustomers;
    assert.deepEqual(results.map((result: { outcome: string }) => result.outcome), ['CREATED', 'REFUSED', 'REFUSED', 'CREATED']);
    assert.deepEqual([results[1].error.code, results[1].error.field], ['BAD_USER_INPUT', 'code']);
    assert.equal(results[2].error.code, 'CONFLICT');
    assert.equal(results[3].customer.parent.id, results[0].customer.id);
    assert.equal((await crmDb().selectFrom('customer').select('id').execute()).length, customersBefore + 2);
    assert.equal(await crmDb().selectFrom('customer').select('id').where('code', '=', 'XR-HALF').executeTakeFirst(), undefined);
    const refs = await crmDb().selectFrom('external_ref').select('external_id').where('external_id', 'in', ['BAD', 'BAD-2']).execute();
    assert.deepEqual(refs, []);
  });

  it('looks up hcm\'s references with one request for a whole batch', async () => {
    // Every input refused on its customer (after the lookup), so nothing else reaches hcm while it is counted.
    const input = (n: number) => ({
      externalRef: { system: 'batch', id: `K-${n}` }, customerRef: { system: 'batch', id: 'missing' }, number: `XR-BATCH-${n}`, name: 'x',
      billingMethod: 'TIME_AND_MATERIALS', currency: 'EUR', legalEntityRef: { system: 'workday', id: 'LE-DE' }, startDate: '2026-01-01',
      rates: [{ roleRef: { system: 'workday', id: 'R-CONS' }, billRate: '1', effectiveFrom: '2026-01-01' }],
    });
    const hcmStatements = async (n: number) => {
      await graph.hub.settle();
      const counter = graph.hub.subgraphs.hcm.database.statements;
      counter.reset();
      const results = ok(await graph.query(upsertContracts, { inputs: Array.from({ length: n }, (_, i) => input(i)) }, asFinance)).upsertContracts;
      assert.ok(results.every((result: { error: { code: string } }) => result.error.code === 'NOT_FOUND'));
      return counter.total;
    };
    const one = await hcmStatements(1);
    assert.ok(one >= 1, 'the references were looked up in hcm');
    assert.equal(await hcmStatements(20), one);
  });

  it('refuses a batch of more than 1,000 inputs whole', async () => {
    const before = (await crmDb().selectFrom('customer').select('id').execute()).length;
    const inputs = Array.from({ length: 1001 }, (_, i) => ({ externalRef: { system: 'bulk', id: String(i) }, name: `Bulk ${i}`, code: `XR-B${i}`, currency: 'EUR' }));
    const result = await graph.query(upsertCustomers, { inputs });
    assert.equal(result.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await crmDb().selectFrom('customer').select('id').execute()).length, before);
  });

  it('replays an idempotency key and refuses it for other inputs', async () => {
    const inputs = [{ externalRef: { system: 'idem', id: '1' }, name: 'Idem', code: 'XR-IDEM', currency: 'EUR' }];
    const first = ok(await graph.query(upsertCustomers, { inputs, key: 'xr-upsert-1' })).upsertCustomers;
    const events = await outboxCount();
    const replay = ok(await graph.query(upsertCustomers, { inputs, key: 'xr-upsert-1' })).upsertCustomers;
    assert.equal(replay[0].outcome, 'CREATED', 'a replay answers as the first call did');
    assert.equal(replay[0].customer.id, first[0].customer.id);
    assert.equal(await outboxCount(), events);
    const reused = await graph.query(upsertCustomers, { inputs: [{ ...inputs[0], name: 'Other' }], key: 'xr-upsert-1' });
    assert.equal(reused.errors?.[0].extensions?.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('allows the create roles only', async () => {
    const inputs = [{ externalRef: { system: 'roles', id: '1' }, name: 'Roles', code: 'XR-ROLES', currency: 'EUR' }];
    const worker = await graph.query(upsertCustomers, { inputs }, { roles: ['WORKER'], workerId: 'w-1' });
    assert.equal(worker.errors?.[0].extensions?.code, 'FORBIDDEN');
    const contracts = await graph.query(upsertContracts, { inputs: [{ externalRef: { system: 'roles', id: 'K' } }] }, { roles: ['MANAGER'] });
    assert.equal(contracts.errors?.[0].extensions?.code, 'FORBIDDEN');
    const manager = ok(await graph.query(upsertCustomers, { inputs }, { roles: ['MANAGER'] })).upsertCustomers;
    assert.equal(manager[0].outcome, 'CREATED');
    assert.equal(ok(await graph.query(`{ customer(externalRef: { system: "roles", id: "1" }) { id } }`, {}, { roles: ['WORKER'], workerId: 'w-1' })).customer.id, manager[0].customer.id);
  });

  it('reads externalRefs over a list with the same statements for 5 and for 50 customers', async () => {
    const inputs = Array.from({ length: 50 }, (_, i) => ({
      externalRef: { system: 'nplus', id: `N-${i}` }, externalRefs: [{ system: 'nplus-b', id: `B-${i}` }], name: `N+1 ${String(i).padStart(2, '0')}`,
      code: `XR-N${i}`, currency: 'EUR',
    }));
    ok(await graph.query(upsertCustomers, { inputs }));
    const contacts = inputs.map((input, i) => ({ externalRef: { system: 'nplus', id: `CT-${i}` }, customerRef: input.externalRef, name: `Contact ${i}` }));
    const contactResults = ok(await graph.query(`mutation($inputs: [ContactUpsertInput!]!) { upsertContacts(inputs: $inputs) { outcome } }`, { inputs: contacts })).upsertContacts;
    assert.ok(contactResults.every((result: { outcome: string }) => result.outcome === 'CREATED'));
    const again = ok(await graph.query(`mutation($inputs: [ContactUpsertInput!]!) { upsertContacts(inputs: $inputs) { outcome } }`, { inputs: contacts })).upsertContacts;
    assert.ok(again.every((result: { outcome: string }) => result.outcome === 'UNCHANGED'));
    const query = `query($n: Int!) { customers(first: $n, filter: { externalSystem: "nplus" }) { nodes { externalRefs { system id } externalIds { id }
      contacts { nodes { externalRefs { id } } } contracts { nodes { externalRefs { id } rateCard { externalRefs { id } } } } } } }`;
    const statements = async (n: number) => {
      const counter = graph.hub.subgraphs.crm.database.statements;
      counter.reset();
      const data = ok(await graph.query(query, { n }));
      assert.equal(data.customers.nodes.length, n);
      assert.equal(data.customers.nodes[0].externalRefs.length, 2);
      assert.equal(data.customers.nodes[0].contacts.nodes[0].externalRefs.length, 1);
      return counter.total;
    };
    assert.equal(await statements(50), await statements(5));
  });
});

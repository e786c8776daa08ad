import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import { sql } from 'kysely';
import { loadConfig } from '../../lib/config.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { liveClient } from '../support/live-client.ts';

const asFinance = { roles: ['FINANCE' as const] };

const runMutation = `mutation($key: String) { runReconciliation(idempotencyKey: $key) { id trigger status found cleared open } }`;
const exceptionsQuery = `query($filter: ReconciliationExceptionFilter) { reconciliationExceptions(filter: $filter, first: 500) {
  totalCount nodes { id type open status detail foundAt clearedAt foundBy { id } clearedBy { id }
    subjects { __typename ... on TimeEntry { id entryStatus: status } ... on Invoice { id invoiceStatus: status } ... on Project { id projectStatus: status } ... on Assignment { id } ... on BillingEvent { id } ... on ExpenseEntry { id } ... on Contract { id } ... on Worker { id } } } } }`;

/**
 * Reconciliation through the gateway (subgraphs/erp/reconciliation.ts). The seeded firm is consistent; the test
 * breaks erp's facts behind the API's back (a lost cost posting, a tampered invoice total) the way a lost event or a
 * bad migration would, and checks that runs find, keep and clear exactly those.
 */
describe('reconciliation through the gateway', () => {
  let graph: HubHarness;
  const clients: Client[] = [];
  const erpDb = () => graph.hub.subgraphs.erp.database.db as any;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, config: loadConfig({ RECONCILIATION_GRACE_MINUTES: '0' }) });
  });
  after(async () => {
    for (const client of clients) await client.dispose();
    await graph.close();
  });

  const run = async (key?: string) => {
    const response = await graph.query(runMutation, { key }, asFinance);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data.runReconciliation;
  };
  const exceptions = async (filter: Record<string, unknown>) => {
    const response = await graph.query(exceptionsQuery, { filter }, asFinance);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data.reconciliationExceptions;
  };

  it('refuses anyone but finance and admins', async () => {
    for (const roles of [['WORKER'], ['MANAGER'], ['RESOURCE_MANAGER']] as const) {
      const mutation = await graph.query(runMutation, {}, { roles, workerId: null });
      assert.equal(mutation.errors?.[0].extensions?.code, 'FORBIDDEN');
      const list = await graph.query(`{ reconciliationRuns { totalCount } }`, {}, { roles, workerId: null });
      assert.equal(list.errors?.[0].extensions?.code, 'FORBIDDEN');
    }
  });

  it('finds a lost cost posting and a invoice total off its lines once, keeps them while they stand, clears them when fixed', async () => {
    const baseline = await run();
    assert.equal(baseline.status, 'COMPLETED');
    assert.equal(baseline.trigger, 'ON_DEMAND');

    // A live cost posting of an approved time entry goes missing; an issued invoice's subtotal drifts from its lines.
    const posting = await erpDb()
      .selectFrom('cost_posting').select(['id', 'source_id']).where('source_type', '=', 'TIME_ENTRY')
      .where('reversal_of', 'is', null).where('reversed_at', 'is', null).orderBy('id').executeTakeFirstOrThrow();
    const entry = await graph.query(`query($id: ID!) { timeEntry(id: $id) { id status } }`, { id: posting.source_id });
    assert.equal(entry.data.timeEntry.status, 'APPROVED');
    const invoice = await erpDb().selectFrom('invoice').select(['id', 'subtotal', 'total']).where('status', '<>', 'VOID').orderBy('id').executeTakeFirstOrThrow();
    await erpDb().updateTable('cost_posting').set({ reversed_at: new Date() }).where('id', '=', posting.id).execute();
    await erpDb().updateTable('invoice').set({ subtotal: sql`subtotal + 1`, total: sql`total + 1` }).where('id', '=', invoice.id).execute();

    const second = await run('reconcile-2');
    assert.equal(second.status, 'COMPLETED');
    assert.equal(second.found, 2, JSON.stringify(second));
    assert.equal(second.open, baseline.open + 2);
    const unposted = await exceptions({ type: 'APPROVED_WITHOUT_COST_POSTING', open: true });
    const mine = unposted.nodes.filter((e: any) => e.subjects[0].id === posting.source_id);
    assert.equal(mine.length, 1);
    assert.deepEqual(mine[0].subjects, [{ __typename: 'TimeEntry', id: posting.source_id, entryStatus: 'APPROVED' }]);
    assert.equal(mine[0].foundBy.id, second.id);
    const mismatch = (await exceptions({ type: 'INVOICE_TOTAL_MISMATCH', open: true })).nodes;
    assert.equal(mismatch.length, 1);
    assert.equal(mismatch[0].subjects[0].__typename, 'Invoice');
    assert.equal(mismatch[0].subjects[0].id, invoice.id);
    assert.match(mismatch[0].detail, /its lines sum to/);

    // The same key answers the first run and runs nothing.
    const runsBefore = (await graph.query(`{ reconciliationRuns { totalCount } }`, {}, asFinance)).data.reconciliationRuns.totalCount;
    assert.deepEqual(await run('reconcile-2'), second);
    assert.equal((await graph.query(`{ reconciliationRuns { totalCount } }`, {}, asFinance)).data.reconciliationRuns.totalCount, runsBefore);

    // Found again: not duplicated, still found by the second run.
    const third = await run();
    assert.equal(third.found, 0);
    assert.equal(third.cleared, 0);
    assert.equal(third.open, second.open);
    const still = (await exceptions({ type: 'INVOICE_TOTAL_MISMATCH' })).nodes;
    assert.equal(still.length, 1);
    assert.equal(still[0].foundAt, mismatch[0].foundAt);

    // Fixed: the next run clears both; they stay queryable as cleared.
    await erpDb().updateTable('cost_posting').set({ reversed_at: null }).where('id', '=', posting.id).execute();
    await erpDb().updateTable('invoice').set({ subtotal: invoice.subtotal, total: invoice.total }).where('id', '=', invoice.id).execute();
    const fourth = await run();
    assert.equal(fourth.cleared, 2);
    assert.equal(fourth.open, baseline.open);
    const cleared = (await exceptions({ open: false })).nodes;
    assert.deepEqual(cleared.map((e: any) => e.type).sort(), ['APPROVED_WITHOUT_COST_POSTING', 'INVOICE_TOTAL_MISMATCH']);
    for (const exception of cleared) {
      assert.equal(exception.status, 'CLEARED');
      assert.equal(exception.clearedBy.id, fourth.id);
      assert.ok(exception.clearedAt);
    }

    // Each new and each cleared exception was announced once.
    const events = await erpDb()
      .selectFrom('outbox').select(['type', 'subject_id'])
      .where('type', 'in', ['erp.reconciliation.exception_found', 'erp.reconciliation.exception_cleared'])
      .where('subject_id', 'in', cleared.map((e: any) => e.id)).execute();
    assert.equal(events.filter((e: any) => e.type === 'erp.reconciliation.exception_found').length, 2);
    assert.equal(events.filter((e: any) => e.type === 'erp.reconciliation.exception_cleared').length, 2);
  });

  it('finds an ACTIVE project whose contract lost its billing setup', async () => {
    const projects = await graph.query(`{ projects(filter: { status: [ACTIVE] }, first: 1) { nodes { id contract { id } } } }`);
    const project = projects.data.projects.nodes[0];
    const setup = await erpDb().selectFrom('billing_setup').select(['id', 'contract_id']).where('contract_id', '=', project.contract.id).executeTakeFirstOrThrow();
    // Move the setup to another contract id behind the API's back (nothing references it by contract id).
    await erpDb().updateTable('billing_setup').set({ contract_id: `${setup.contract_id}-moved` }).where('id', '=', setup.id).execute();
    try {
      const found = await run();
      assert.ok(found.found >= 1);
      const open = (await exceptions({ type: 'ACTIVE_PROJECT_WITHOUT_BILLING_SETUP', open: true })).nodes;
      const mine = open.find((e: any) => e.subjects[0].id === project.id);
      assert.ok(mine, JSON.stringify(open));
      assert.deepEqual(mine.subjects, [{ __typename: 'Project', id: project.id, projectStatus: 'ACTIVE' }, { __typename: 'Contract', id: project.contract.id }]);
    } finally {
      await erpDb().updateTable('billing_setup').set({ contract_id: setup.contract_id }).where('id', '=', setup.id).execute();
    }
    await run();
    assert.equal((await exceptions({ type: 'ACTIVE_PROJECT_WITHOUT_BILLING_SETUP', open: true })).nodes.some((e: any) => e.subjects[0].id === project.id), false);
  });

  it('runs one at a time: a lease held by another runner is CONFLICT until it expires', async () => {
    const far = new Date(Date.now() + 3_600_000);
    await erpDb()
      .insertInto('reconciliation_lease').values({ name: 'reconciliation', holder: 'another-process', expires_at: far, heartbeat_at: new Date() })
      .onConflict((oc: any) => oc.column('name').doUpdateSet({ holder: 'another-process', expires_at: far })).execute();
    const refused = await graph.query(runMutation, {}, asFinance);
    assert.equal(refused.errors?.[0].extensions?.code, 'CONFLICT');
    await erpDb().updateTable('reconciliation_lease').set({ expires_at: new Date(Date.now() - 1000) }).where('name', '=', 'reconciliation').execute();
    assert.equal((await run()).status, 'COMPLETED');
  });

  it('tells finance subscribers of new and cleared exceptions, and nobody else', async () => {
    const connect = async (roles: string[]) => {
      const client = liveClient(graph.url, await graph.token(roles as any, null), { lazy: false, onNonLazyError: () => undefined });
      clients.push(client);
      const results: any[] = [];
      client.subscribe(
        { query: `subscription { reconciliationExceptionChanged(filter: { status: [OPEN] }) { id type status subjects { __typename ... on Invoice { id } } } }` },
        { next: (value) => results.push(value), error: () => undefined, complete: () => undefined },
      );
      return results;
    };
    // Earlier runs' announcements are out before anyone subscribes (a Redis relay may still hold some).
    await graph.hub.settle();
    const finance = await connect(['FINANCE']);
    const worker = await connect(['WORKER']);
    const deadline = Date.now() + 5000;
    while (graph.hub.gateway.live!.subscriberCount < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    const invoice = await erpDb().selectFrom('invoice').select(['id', 'subtotal', 'total']).where('status', '<>', 'VOID').orderBy('id', 'desc').executeTakeFirstOrThrow();
    await erpDb().updateTable('invoice').set({ subtotal: sql`subtotal + 1`, total: sql`total + 1` }).where('id', '=', invoice.id).execute();
    await run();
    await graph.hub.settle();
    const aboutInvoice = () => finance.filter((r) => r.data?.reconciliationExceptionChanged?.subjects?.[0]?.id === invoice.id);
    while (aboutInvoice().length < 1 && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 50));
    assert.equal(aboutInvoice().length, 1, JSON.stringify(finance));
    assert.deepEqual(aboutInvoice()[0].data.reconciliationExceptionChanged.subjects, [{ __typename: 'Invoice', id: invoice.id }]);
    assert.equal(aboutInvoice()[0].data.reconciliationExceptionChanged.status, 'OPEN');
    assert.equal(worker.filter((r) => r.data?.reconciliationExceptionChanged).length, 0);

    await erpDb().updateTable('invoice').set({ subtotal: invoice.subtotal, total: invoice.total }).where('id', '=', invoice.id).execute();
    await run();
    await graph.hub.settle();
    // Filtered on OPEN: the clearing is not delivered to this subscriber.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(aboutInvoice().length, 1);
    assert.ok(finance.every((r) => r.data.reconciliationExceptionChanged.status === 'OPEN'));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * A month-end `draftInvoices` over every contract of the demo firm, through the gateway: one transaction per contract
 * (lib/run-in-parts.ts), so a failure in one contract leaves the contracts before it drafted whole and nothing of its
 * own, and finance's retry under the same idempotency key drafts the rest and returns every draft of both attempts.
 */
describe('a month-end draft over every contract, through the gateway', () => {
  let graph: HubHarness;
  const finance = { roles: ['FINANCE' as const] };
  const now = new Date();
  const periodEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0)).toISOString().slice(0, 10);
  const draft = (key: string) =>
    graph.query(`mutation($end: Date!, $key: String) { draftInvoices(input: { periodEnd: $end }, idempotencyKey: $key) { id contract { id } lines { id } } }`, { end: periodEnd, key }, finance);
  let contracts: string[];
  let refused: string;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
    const erp = graph.hub.subgraphs.erp.database;
    const rows = await erp.db.selectFrom('billing_event').select('contract_id').distinct().where('status', '=', 'UNBILLED').where('date', '<=', periodEnd).orderBy('contract_id').execute();
    contracts = rows.map((row) => row.contract_id as string);
    assert.ok(contracts.length >= 3, `the demo firm has unbilled work on several contracts (${contracts.length})`);
    refused = contracts[1];
    await sql
      .raw(`create function "${erp.schema}".refuse_lines_for_test() returns trigger language plpgsql as $$
        begin
          if exists (select 1 from "${erp.schema}".invoice where id = new.invoice_id and contract_id = '${refused}') then
            raise exception 'refused by the test';
          end if;
          return new;
        end $$`)
      .execute(erp.db);
    await sql.raw(`create trigger refuse_lines before insert on "${erp.schema}".invoice_line for each row execute function "${erp.schema}".refuse_lines_for_test()`).execute(erp.db);
  });
  after(() => graph.close());

  const draftedContracts = async () =>
    (await graph.hub.subgraphs.erp.database.db.selectFrom('invoice').select('contract_id').where('status', '=', 'DRAFT').execute()).map((row) => row.contract_id);
  const unbilledOf = async (contractId: string) =>
    (await graph.hub.subgraphs.erp.database.db.selectFrom('billing_event').select('id').where('contract_id', '=', contractId).where('status', '=', 'UNBILLED').where('date', '<=', periodEnd).execute()).length;

  it('stops at the contract that fails, with the contracts before it drafted and nothing of its own', async () => {
    const failed = await draft('month-end-run');
    assert.ok(failed.errors?.length, 'the failure reaches finance');
    const drafted = await draftedContracts();
    assert.deepEqual([...new Set(drafted)], [contracts[0]]);
    assert.equal(await unbilledOf(contracts[0]), 0, "the first contract's events are BILLED with its invoice");
    assert.ok((await unbilledOf(refused)) > 0, "the refused contract's events are still UNBILLED");
  });

  it('the retry under the same key finishes the run and answers with every draft, each contract once', async () => {
    const erp = graph.hub.subgraphs.erp.database;
    await sql.raw(`drop trigger refuse_lines on "${erp.schema}".invoice_line`).execute(erp.db);
    const retried = await draft('month-end-run');
    assert.equal(retried.errors, undefined, JSON.stringify(retried.errors));
    const answered = retried.data.draftInvoices as Array<{ id: string; contract: { id: string } }>;
    assert.deepEqual([...new Set(answered.map((invoice) => invoice.contract.id))].sort(), [...contracts].sort());
    assert.deepEqual(answered.map((invoice) => invoice.id).sort(), (await erp.db.selectFrom('invoice').select('id').where('status', '=', 'DRAFT').execute()).map((row) => row.id).sort());
    for (const contractId of contracts) assert.equal(await unbilledOf(contractId), 0, `${contractId} is drafted`);
    const replayed = await draft('month-end-run');
    assert.deepEqual(replayed.data.draftInvoices.map((invoice: { id: string }) => invoice.id), answered.map((invoice) => invoice.id));
  });
});

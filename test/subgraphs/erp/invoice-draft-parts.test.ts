import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { dataOf, type GraphQLResponse } from '../../support/subgraph-harness.ts';
import { erpFixtures, finance } from './fixtures.ts';
import { startInvoicing, type InvoicingHarness } from './invoicing-fixture.ts';

/**
 * A month-end `draftInvoices` over every contract runs one transaction per contract (lib/run-in-parts.ts): the same
 * invoices as one run would draft, each whole or absent when a contract fails midway, and a retry under the same
 * idempotency key that finishes the run and answers with every invoice of both attempts.
 */

const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;
const contracts = [
  { id: 'c-part-a', customerId: 'cust-1', amounts: ['10.00', '20.00'] },
  { id: 'c-part-b', customerId: 'cust-2', amounts: ['30.00', '40.00', '5.50'] },
  { id: 'c-part-c', customerId: 'cust-2', amounts: ['7.25'] },
];
const refused = 'c-part-b';

describe('erp drafts a month-end run one contract per transaction', () => {
  let erp: InvoicingHarness;
  const eventsOf = new Map<string, string[]>();
  before(async () => {
    erp = await startInvoicing();
    const fixtures = erpFixtures(erp.database.db);
    for (const contract of contracts) {
      await erp.contract({ id: contract.id, customerId: contract.customerId });
      const ids: string[] = [];
      for (const amount of contract.amounts) {
        ids.push(await fixtures.billingEvent({
          source_id: randomUUID(), contract_id: contract.id, customer_id: contract.customerId, amount, currency: 'EUR', status: 'UNBILLED', date: '2026-11-05',
        }));
      }
      eventsOf.set(contract.id, ids);
    }
    // The database refuses the lines of one contract's invoice: its invoice row is written first, so a failure there is
    // a failure in the middle of that contract's drafting.
    const schema = erp.database.schema;
    await sql
      .raw(`create function "${schema}".refuse_lines_for_test() returns trigger language plpgsql as $$
        begin
          if exists (select 1 from "${schema}".invoice where id = new.invoice_id and contract_id = '${refused}') then
            raise exception 'lines of ${refused} refused by the test';
          end if;
          return new;
        end $$`)
      .execute(erp.database.db);
    await sql.raw(`create trigger refuse_lines before insert on "${schema}".invoice_line for each row execute function "${schema}".refuse_lines_for_test()`).execute(erp.database.db);
  });
  after(() => erp.close());

  const invoicesOf = (contractId: string) => erp.database.db.selectFrom('invoice').selectAll().where('contract_id', '=', contractId).execute();
  const statusesOf = async (contractId: string) =>
    (await erp.database.db.selectFrom('billing_event').select('status').where('id', 'in', eventsOf.get(contractId)!).execute()).map((row) => row.status);

  let firstAttempt: string[];

  it('a failure in one contract leaves the contracts before it drafted whole, and nothing of its own', async () => {
    const failed = await erp.draft({ periodEnd: '2026-11-30' }, finance, 'month-end-2026-11');
    assert.ok(failed.errors?.length, 'the run reports the failure');
    const [drafted] = await invoicesOf('c-part-a');
    assert.equal(drafted.status, 'DRAFT');
    const lines = await erp.database.db.selectFrom('invoice_line').select(['billing_event_id', 'amount']).where('invoice_id', '=', drafted.id).orderBy('position').execute();
    assert.deepEqual(lines.map((line) => line.billing_event_id).sort(), [...eventsOf.get('c-part-a')!].sort());
    assert.equal(drafted.subtotal, '30.00');
    assert.deepEqual(await statusesOf('c-part-a'), ['BILLED', 'BILLED']);
    assert.deepEqual(await invoicesOf(refused), [], 'no invoice row of the refused contract survives');
    assert.deepEqual(await statusesOf(refused), ['UNBILLED', 'UNBILLED', 'UNBILLED']);
    assert.deepEqual(await invoicesOf('c-part-c'), [], 'the run stops at the failure');
    const outbox = await erp.database.db.selectFrom('outbox').select('subject_id').where('type', '=', 'erp.invoice.drafted').execute();
    assert.deepEqual(outbox.map((row) => row.subject_id), [drafted.id], 'only the committed invoice was announced');
    firstAttempt = [drafted.id];
  });

  it('a retry with the same key drafts the rest and answers with the invoices of both attempts, once each', async () => {
    await sql.raw(`drop trigger refuse_lines on "${erp.database.schema}".invoice_line`).execute(erp.database.db);
    const retried = dataOf(await erp.draft({ periodEnd: '2026-11-30' }, finance, 'month-end-2026-11')).draftInvoices;
    assert.deepEqual(
      retried.map((invoice: any) => [invoice.contract.id, invoice.subtotal.amount, invoice.lines.length]),
      [['c-part-a', '30.00', 2], ['c-part-b', '75.50', 3], ['c-part-c', '7.25', 1]],
    );
    assert.equal(retried[0].id, firstAttempt[0]);
    for (const contract of contracts) assert.deepEqual(await statusesOf(contract.id), contract.amounts.map(() => 'BILLED'));
    for (const contract of contracts) assert.equal((await invoicesOf(contract.id)).length, 1, `one invoice for ${contract.id}`);

    const replayed = dataOf(await erp.draft({ periodEnd: '2026-11-30' }, finance, 'month-end-2026-11')).draftInvoices;
    assert.deepEqual(replayed.map((invoice: any) => invoice.id), retried.map((invoice: any) => invoice.id));
    assert.equal(codeOf(await erp.draft({ periodEnd: '2026-11-29' }, finance, 'month-end-2026-11')), 'IDEMPOTENCY_KEY_REUSED');
  });

  it('an earlier attempt under a key is not reused for another request', async () => {
    const fixtures = erpFixtures(erp.database.db);
    await fixtures.billingEvent({ source_id: randomUUID(), contract_id: 'c-part-c', customer_id: 'cust-2', amount: '1.00', currency: 'EUR', status: 'UNBILLED', date: '2026-12-01' });
    // Parts committed under "month-end-2026-11" answer only its own request: a December run under the key is refused.
    assert.equal(codeOf(await erp.draft({ periodEnd: '2026-12-31' }, finance, 'month-end-2026-11')), 'IDEMPOTENCY_KEY_REUSED');
    const december = dataOf(await erp.draft({ periodEnd: '2026-12-31' }, finance, 'month-end-2026-12')).draftInvoices;
    assert.deepEqual(december.map((invoice: any) => [invoice.contract.id, invoice.subtotal.amount]), [['c-part-c', '1.00']]);
  });
});

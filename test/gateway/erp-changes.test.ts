import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Incremental pulls of erp's mirrorable lists (`filter: { updatedAfter }`, lib/db/changes.ts): billing events, cost
 * postings, invoices and payments in change order, and every write a mirror must see moving `updatedAt`.
 */
describe('erp lists by change (updatedAfter)', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  const lists = {
    billingEvents: 'id status heldReason updatedAt',
    costPostings: 'id reversedAt updatedAt',
    invoices: 'id status updatedAt',
    payments: 'id amount { amount } updatedAt',
  } as const;
  type ListName = keyof typeof lists;
  type Node = { id: string; updatedAt: string; status?: string };

  async function page(list: ListName, updatedAfter: string, afterCursor: string | null, first = 100) {
    const response = await graph.query(
      `query($f: ${list === 'billingEvents' ? 'BillingEventFilter' : list === 'costPostings' ? 'CostPostingFilter' : list === 'invoices' ? 'InvoiceFilter' : 'PaymentFilter'}, $after: String) {
        ${list}(filter: $f, first: ${first}, after: $after) { nodes { ${lists[list]} } pageInfo { hasNextPage endCursor } totalCount }
      }`,
      { f: { updatedAfter }, after: afterCursor },
      { roles: ['FINANCE'] },
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data[list] as { nodes: Node[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number };
  }

  /** A mirror's pull: every page from `updatedAfter` on, each row as it was read. */
  async function pull(list: ListName, updatedAfter: string, between: (pageIndex: number) => Promise<void> = async () => undefined, first = 100) {
    const seen: Node[] = [];
    let cursor: string | null = null;
    for (let index = 0; ; index++) {
      const { nodes, pageInfo } = await page(list, updatedAfter, cursor, first);
      seen.push(...nodes);
      if (!pageInfo.hasNextPage) break;
      cursor = pageInfo.endCursor;
      await between(index);
    }
    return seen;
  }

  const inChangeOrder = (nodes: readonly Node[]) =>
    nodes.every((node, i) => i === 0 || nodes[i - 1].updatedAt < node.updatedAt || (nodes[i - 1].updatedAt === node.updatedAt && nodes[i - 1].id < node.id));

  it('lists each of the four in change order (updatedAt, then id) and exposes updatedAt', async () => {
    for (const list of Object.keys(lists) as ListName[]) {
      const all = await pull(list, '1970-01-01T00:00:00Z');
      const { totalCount } = await page(list, '1970-01-01T00:00:00Z', null, 1);
      assert.ok(all.length > 0, `${list}: the seeded firm has some`);
      assert.equal(all.length, totalCount, list);
      assert.equal(new Set(all.map((node) => node.id)).size, all.length, `${list}: no row twice`);
      assert.ok(inChangeOrder(all), `${list}: in change order`);
      assert.ok(all.every((node) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(node.updatedAt)), list);
      // Strictly after: asking from a row's updatedAt leaves that row (and those before it) out.
      const middle = all[Math.floor(all.length / 2)];
      const later = await pull(list, middle.updatedAt);
      assert.deepEqual(later.map((n) => n.id), all.filter((n) => n.updatedAt > middle.updatedAt).map((n) => n.id), list);
    }
  });

  it('pages a customer’s invoices and payments by change too', async () => {
    const { invoices } = await graph.query(`{ invoices(first: 1, filter: { status: [PAID] }) { nodes { customer { id } } } }`).then((r) => r.data);
    const customerId = invoices.nodes[0].customer.id;
    const response = await graph.query(
      `query($c: ID!, $f: InvoiceFilter, $p: PaymentFilter) {
        customer(id: $c) { invoices(filter: $f, first: 500) { nodes { id updatedAt } } }
        invoices(filter: { customerId: $c, updatedAfter: "1970-01-01T00:00:00Z" }, first: 500) { nodes { id updatedAt } }
        payments(filter: $p, first: 500) { nodes { id updatedAt invoice { customer { id } } } }
      }`,
      { c: customerId, f: { updatedAfter: '1970-01-01T00:00:00Z' }, p: { customerId, updatedAfter: '1970-01-01T00:00:00Z' } },
      { roles: ['FINANCE'] },
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const { customer, invoices: listed, payments } = response.data;
    assert.ok(listed.nodes.length > 0 && inChangeOrder(listed.nodes));
    assert.deepEqual(customer.invoices.nodes, listed.nodes, 'Customer.invoices in the same change order');
    assert.ok(payments.nodes.length > 0 && inChangeOrder(payments.nodes));
    assert.ok(payments.nodes.every((node: { invoice: { customer: { id: string } } }) => node.invoice.customer.id === customerId));
    // Without updatedAfter, payments page newest received first.
    const first = (await graph.query(`{ payments(first: 3) { nodes { id receivedOn } pageInfo { endCursor } } }`, {}, { roles: ['FINANCE'] })).data.payments;
    const next = (await graph.query(`query($a: String) { payments(first: 3, after: $a) { nodes { id receivedOn } } }`, { a: first.pageInfo.endCursor }, { roles: ['FINANCE'] })).data.payments;
    const received = [...first.nodes, ...next.nodes].map((node: { receivedOn: string }) => node.receivedOn);
    assert.deepEqual(received, [...received].sort().reverse());
    assert.equal(new Set([...first.nodes, ...next.nodes].map((node: { id: string }) => node.id)).size, 6);
  });

  it('moves updatedAt on every change a mirror must see', async () => {
    const read = async (id: string) =>
      (await graph.query(`query($id: ID!) { billingEvent(id: $id) { status updatedAt invoiceLine { invoice { id updatedAt } } } }`, { id }, { roles: ['FINANCE'] })).data.billingEvent;
    const { data } = await graph.query(`{ billingEvents(first: 1, filter: { status: [UNBILLED], sourceType: TIME_ENTRY }) { nodes { id sourceId contract { id } date updatedAt } } }`);
    const event = data.billingEvents.nodes[0];
    const drafted = await graph.query(`mutation($c: ID!, $d: Date!) { draftInvoices(input: { periodEnd: $d, contractId: $c }) { id updatedAt } }`, { c: event.contract.id, d: event.date });
    assert.equal(drafted.errors, undefined, JSON.stringify(drafted.errors));
    const onDraft = await read(event.id);
    assert.equal(onDraft.status, 'BILLED');
    assert.ok(onDraft.updatedAt > event.updatedAt, 'drafting onto an invoice');
    const invoiceId = onDraft.invoiceLine.invoice.id;
    const issued = await graph.query(`mutation($id: ID!) { issueInvoice(id: $id) { updatedAt } }`, { id: invoiceId });
    assert.ok(issued.data.issueInvoice.updatedAt > onDraft.invoiceLine.invoice.updatedAt, 'issue');
    const voided = await graph.query(`mutation($id: ID!) { voidInvoice(id: $id, reason: "test") { updatedAt } }`, { id: invoiceId });
    assert.ok(voided.data.voidInvoice.updatedAt > issued.data.issueInvoice.updatedAt, 'void');
    const released = await read(event.id);
    assert.equal(released.status, 'UNBILLED');
    assert.ok(released.updatedAt > onDraft.updatedAt, 'released by the void');
    const cost = async () =>
      (await graph.query(`query($id: ID!) { timeEntries(filter: { ids: [$id] }) { nodes { costPosting { id updatedAt } } } }`, { id: event.sourceId })).data.timeEntries.nodes[0].costPosting;
    const standing = await cost();
    const rejected = await graph.query(`mutation($id: ID!) { rejectTimeEntries(ids: [$id], reason: "not ours") { id } }`, { id: event.sourceId });
    assert.equal(rejected.errors, undefined, JSON.stringify(rejected.errors));
    const reversed = await eventually(async () => {
      const now = await read(event.id);
      assert.equal(now.status, 'REVERSED');
      return now;
    });
    assert.ok(reversed.updatedAt > released.updatedAt, 'reversal');
    const { data: postings } = await graph.query(`query($id: ID!) { costPosting(id: $id) { reversedAt updatedAt } }`, { id: standing.id });
    assert.ok(postings.costPosting.reversedAt);
    assert.ok(postings.costPosting.updatedAt > standing.updatedAt, 'the reversed cost posting');
    assert.equal(await cost(), null, 'no live cost posting once reversed');
  });
  it('a mirror paging while invoices are drafted, issued, paid and voided and approvals taken back misses nothing and reads no version twice', async () => {
    const mirror = new Map<string, Node>();
    const versions = new Set<string>();
    const apply = (nodes: readonly Node[]) => {
      for (const node of nodes) {
        const version = `${node.id}@${node.updatedAt}`;
        assert.ok(!versions.has(version), `read ${version} twice`);
        versions.add(version);
        mirror.set(node.id, node);
      }
    };
    const writes: Array<() => Promise<void>> = [
      async () => {
        const drafted = await graph.query(`mutation($d: Date!) { draftInvoices(input: { periodEnd: $d }) { id } }`, { d: new Date().toISOString().slice(0, 10) });
        assert.equal(drafted.errors, undefined, JSON.stringify(drafted.errors));
        assert.ok(drafted.data.draftInvoices.length > 0, 'the seeded firm has unbilled work to draft');
      },
      async () => {
        const { data } = await graph.query(`{ invoices(first: 2, filter: { status: [DRAFT] }) { nodes { id } } }`);
        const issued = await graph.query(`mutation($id: ID!) { issueInvoice(id: $id) { id total { amount currency } } }`, { id: data.invoices.nodes[0].id });
        assert.equal(issued.errors, undefined, JSON.stringify(issued.errors));
        const { id, total } = issued.data.issueInvoice;
        const paid = await graph.query(`mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { id } }`, {
          input: { invoiceId: id, amount: total, receivedOn: new Date().toISOString().slice(0, 10) },
        });
        assert.equal(paid.errors, undefined, JSON.stringify(paid.errors));
        const voided = await graph.query(`mutation($id: ID!) { voidInvoice(id: $id, reason: "wrong period") { id } }`, { id: data.invoices.nodes[1].id });
        assert.equal(voided.errors, undefined, JSON.stringify(voided.errors));
      },
      async () => {
        // Unbilled, or on a draft (its line leaves the draft, whose totals change): both are reversed outright.
        const { data } = await graph.query(`{ billingEvents(first: 100, filter: { status: [UNBILLED, BILLED], sourceType: TIME_ENTRY }) { nodes { sourceId invoiceLine { invoice { status } } } } }`);
        type Candidate = { sourceId: string; invoiceLine: { invoice: { status: string } } | null };
        const ids = (data.billingEvents.nodes as Candidate[]).filter((node) => !node.invoiceLine || node.invoiceLine.invoice.status === 'DRAFT').slice(0, 3).map((node) => node.sourceId);
        assert.ok(ids.length > 0);
        const rejected = await graph.query(`mutation($ids: [ID!]!) { rejectTimeEntries(ids: $ids, reason: "wrong project") { id } }`, { ids });
        assert.equal(rejected.errors, undefined, JSON.stringify(rejected.errors));
        await eventually(async () => {
          const { data: after } = await graph.query(`query($ids: [ID!]!) { timeEntries(filter: { ids: $ids }) { nodes { billing { status } } } }`, { ids });
          assert.ok(after.timeEntries.nodes.every((node: { billing: { status: string } }) => node.billing.status === 'REVERSED'), 'every entry reversed in billing');
        });
      },
    ];
    const pending = [...writes, ...writes.slice(1)];
    let written = 0;
    for (const list of Object.keys(lists) as ListName[]) {
      mirror.clear();
      versions.clear();
      // The first pull runs while writes happen between its pages (two per list); each later poll asks from the newest
      // updatedAt held.
      const between = async (index: number) => {
        if (index >= 2 || pending.length === 0) return;
        await pending.shift()!();
        written += 1;
      };
      apply(await pull(list, '1970-01-01T00:00:00Z', between, 10));
      for (let poll = 0; poll < 2; poll++) {
        const newest = [...mirror.values()].reduce((max, node) => (node.updatedAt > max ? node.updatedAt : max), '1970-01-01T00:00:00.000Z');
        apply(await pull(list, newest));
      }
      const truth = await pull(list, '1970-01-01T00:00:00Z');
      assert.equal(mirror.size, truth.length, `${list}: the mirror holds every row`);
      for (const row of truth) assert.deepEqual(mirror.get(row.id), row, `${list}: ${row.id} as it stands`);
    }
    assert.equal(pending.length, 0, 'every write happened during a pull');
    assert.equal(written, writes.length * 2 - 1);
  });

});

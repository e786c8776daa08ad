import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { IDENTITY_HEADER } from '../../lib/auth/identity.ts';
import { loadConfig } from '../../lib/config.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox, type OutboxTables } from '../../lib/events/outbox.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { timeTopics, type TimeEntryApproved } from '../../subgraphs/time/index.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

const maxAttempts = 2;

const deadLetterFields = `id subgraph consumer eventId eventType eventSource subject { typename id } correlationId
  occurredAt payload error attempts firstFailedAt parkedAt status resolvedAt resolvedBy reason`;
const listQuery = `query($filter: DeadLetterFilter, $first: Int, $after: String) {
  deadLetters(filter: $filter, first: $first, after: $after) {
    totalCount nodes { ${deadLetterFields} } edges { cursor } pageInfo { hasNextPage endCursor }
  }
}`;
const retryMutation = `mutation($ids: [ID!]!) { retryDeadLetters(ids: $ids) { ${deadLetterFields} } }`;
const dismissMutation = `mutation($ids: [ID!]!, $reason: String!) {
  dismissDeadLetters(ids: $ids, reason: $reason) { ${deadLetterFields} }
}`;

/**
 * Issue 13's dead letters through the gateway, as an administrator sees them: erp's posting consumer fails on an
 * approval it cannot handle (bad data, a missing table); after DEAD_LETTER_AFTER_ATTEMPTS the event is parked, the
 * approvals after it are posted, `deadLetters` and /readyz show it, and it is dismissed, or retried once the cause is
 * gone. A gateway that is away is a different matter: erp retries past the bound, parks nothing, and posts once it is back.
 */
describe('dead letters through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const work = billableWork(planDemoFirm({ scale: 1, today }), today);
  const asAdmin = { roles: ['ADMIN' as const], workerId: 'w-admin' };
  const finance = { roles: ['FINANCE' as const] };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, config: loadConfig({ DEAD_LETTER_AFTER_ATTEMPTS: String(maxAttempts) }) });
  });
  after(() => graph.close());

  const ok = async (query: string, variables: Record<string, unknown> = {}, as: Parameters<HubHarness['query']>[2] = asAdmin) =>
    dataOf(await graph.query(query, variables, as));
  const parkedOf = async (eventId: string) => {
    const { nodes } = (await ok(listQuery, { filter: { status: ['PARKED'] }, first: 500 })).deadLetters;
    return nodes.filter((node: { eventId: string }) => node.eventId === eventId);
  };
  const costPostingsOf = async (sourceId: string) =>
    (
      await ok(
        `query($p: ID!) { costPostings(first: 500, filter: { projectId: $p, sourceType: TIME_ENTRY }) { nodes { sourceId hours } } }`,
        { p: work.assignment.projectId },
        finance,
      )
    ).costPostings.nodes.filter((node: { sourceId: string }) => node.sourceId === sourceId);
  type Readiness = { status: string; deadLetters: Record<string, number | null> };
  const readiness = async () => (await (await fetch(new URL('/readyz', graph.url))).json()) as Readiness;

  /** An event as time's service writes it: into time's outbox, which its relay publishes. */
  async function publishFromTime(event: DomainEvent<unknown>) {
    const time = graph.hub.subgraphs.time;
    await time.database.db.transaction().execute((trx) => appendToOutbox(trx as never, [event]));
    time.runtime.relay.kick();
  }

  /** An approval of a time entry erp has never seen, as time publishes it (billable false: a cost posting only). */
  const approval = (timeEntryId: string): DomainEvent<TimeEntryApproved> =>
    createEvent<TimeEntryApproved>(
      'time',
      timeTopics.entryApproved,
      { typename: 'TimeEntry', id: timeEntryId },
      {
        timeEntryId, version: 1, status: 'APPROVED', workerId: work.worker.id, projectId: work.assignment.projectId,
        taskId: work.task.id, roleId: work.assignment.roleId, assignmentId: work.assignment.id, date: today, hours: '1.50',
        billable: false, approvedBy: null, approvedAt: new Date().toISOString(), correctionOf: null, billRate: null,
      },
      { correlationId: randomUUID() },
      new Date(),
    );

  it('parks an approval erp cannot handle, shows it to ADMIN only, posts the approvals after it, counts it, dismisses it', async () => {
    // An approval without its entry's facts: erp cannot ask the graph about a project it does not name.
    const subject = { typename: 'TimeEntry', id: randomUUID() };
    const broken = createEvent('time', timeTopics.entryApproved, subject, { hours: '1.00' }, { correlationId: randomUUID() }, new Date());
    await publishFromTime(broken);
    await graph.hub.settle();
    const [parked] = await eventually(async () => {
      const nodes = await parkedOf(broken.id);
      assert.equal(nodes.length, 1);
      return nodes;
    });
    assert.deepEqual(
      { ...parked, id: undefined, parkedAt: undefined, firstFailedAt: undefined, error: undefined },
      {
        id: undefined, subgraph: 'erp', consumer: 'erp.posting', eventId: broken.id, eventType: 'time.entry.approved',
        eventSource: 'time', subject, correlationId: broken.correlationId, occurredAt: broken.occurredAt,
        payload: JSON.stringify(broken.data),
        error: undefined, attempts: maxAttempts, firstFailedAt: undefined, parkedAt: undefined, status: 'PARKED',
        resolvedAt: null, resolvedBy: null, reason: null,
      },
    );
    assert.match(parked.id, /^erp:/);
    assert.match(parked.error, /could not read the graph/);
    assert.ok(parked.firstFailedAt <= parked.parkedAt);

    for (const query of [listQuery, retryMutation, dismissMutation]) {
      const refused = await graph.query(query, { ids: [parked.id], reason: 'no' }, finance);
      assert.equal(refused.errors?.[0].extensions?.code, 'FORBIDDEN', JSON.stringify(refused));
    }

    // The stream goes on: a later approval is posted.
    const { id: later } = await approvedEntry(graph, work, '1.25');
    await graph.hub.settle();
    await eventually(async () => assert.equal((await costPostingsOf(later)).length, 1));

    await eventually(async () => {
      const ready = await readiness();
      assert.equal(ready.status, 'ready', 'dead letters do not make the gateway unready');
      assert.equal(ready.deadLetters.erp, 1);
      assert.equal(ready.deadLetters.time, 0);
    });

    const [dismissed] = (await ok(dismissMutation, { ids: [parked.id], reason: 'a malformed test event' })).dismissDeadLetters;
    assert.deepEqual(
      { id: dismissed.id, status: dismissed.status, resolvedBy: dismissed.resolvedBy, reason: dismissed.reason },
      { id: parked.id, status: 'DISMISSED', resolvedBy: 'w-admin', reason: 'a malformed test event' },
    );
    assert.ok(dismissed.resolvedAt);
    const again = await graph.query(dismissMutation, { ids: [parked.id], reason: 'twice' }, asAdmin);
    assert.equal(again.errors?.[0].extensions?.code, 'CONFLICT', JSON.stringify(again));
    for (const unknown of [`erp:${randomUUID()}`, 'nowhere:1', 'no-subgraph']) {
      const missing = await graph.query(retryMutation, { ids: [unknown] }, asAdmin);
      assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND', JSON.stringify(missing));
    }
    assert.deepEqual(await parkedOf(broken.id), []);
    const everyFilter = { status: ['DISMISSED'], subgraph: ['erp'], consumer: ['erp.posting'], eventType: ['time.entry.approved'] };
    const dismissedOnes = await ok(listQuery, { filter: everyFilter });
    assert.deepEqual(dismissedOnes.deadLetters.nodes.map((node: { id: string }) => node.id), [parked.id]);
    await eventually(async () => assert.equal((await readiness()).deadLetters.erp, 0));
  });

  it('retries a parked approval once its cause is gone: RETRIED, and the posting exists', async () => {
    const { db, schema } = graph.hub.subgraphs.erp.database;
    await sql`alter table ${sql.id(schema, 'cost_posting')} rename to cost_posting_away`.execute(db);
    let entryId: string;
    let parked: { id: string; error: string; attempts: number };
    try {
      ({ id: entryId } = await approvedEntry(graph, work, '0.75'));
      await graph.hub.settle();
      parked = await eventually(async () => {
        const { nodes } = (await ok(listQuery, { filter: { status: ['PARKED'], consumer: ['erp.posting'] } })).deadLetters;
        const node = nodes.find((candidate: { subject: { id: string } }) => candidate.subject.id === entryId);
        assert.ok(node, 'parked');
        return node;
      });
      assert.match(parked.error, /cost_posting/);
      // Still broken: the retry fails, the letter stays parked with one attempt more.
      const [failed] = (await ok(retryMutation, { ids: [parked.id] })).retryDeadLetters;
      assert.deepEqual({ status: failed.status, attempts: failed.attempts }, { status: 'PARKED', attempts: maxAttempts + 1 });
    } finally {
      await sql`alter table ${sql.id(schema, 'cost_posting_away')} rename to cost_posting`.execute(db);
    }
    const [retried] = (await ok(retryMutation, { ids: [parked.id] })).retryDeadLetters;
    assert.deepEqual({ status: retried.status, resolvedBy: retried.resolvedBy }, { status: 'RETRIED', resolvedBy: 'w-admin' });
    await graph.hub.settle();
    assert.equal((await costPostingsOf(entryId)).length, 1);
    const again = await graph.query(retryMutation, { ids: [parked.id] }, asAdmin);
    assert.equal(again.errors?.[0].extensions?.code, 'CONFLICT');
  });

  it('pages newest first across the subgraphs', async () => {
    const erp = graph.hub.subgraphs.erp.database.db as unknown as Kysely<OutboxTables>;
    // Two more letters, parked directly (what a consumer would park), to page over three.
    for (const n of [1, 2]) {
      const thing = { typename: 'Thing', id: String(n) };
      const event = createEvent('time', 'test.paged', thing, { n }, { correlationId: randomUUID() }, new Date());
      await erp
        .insertInto('dead_letter')
        .values({
          id: randomUUID(), consumer: 'erp.paging', event_id: event.id, event: JSON.stringify(event), error: 'test', attempts: 1,
          first_failed_at: new Date(), parked_at: new Date(Date.now() + n * 1000), status: 'PARKED',
        })
        .execute();
    }
    const all = (await ok(listQuery, { first: 500 })).deadLetters;
    assert.equal(all.totalCount, all.nodes.length);
    assert.ok(all.nodes.length >= 4);
    const parkedAt = all.nodes.map((node: { parkedAt: string }) => node.parkedAt);
    assert.deepEqual(parkedAt, [...parkedAt].sort().reverse(), 'newest first');
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await ok(listQuery, { first: 1, after })).deadLetters;
      seen.push(...page.nodes.map((node: { id: string }) => node.id));
      assert.equal(page.totalCount, all.totalCount);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.deepEqual(seen, all.nodes.map((node: { id: string }) => node.id));
    const bad = await graph.query(listQuery, { first: 1, after: 'not-a-cursor' }, asAdmin);
    assert.equal(bad.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const paged = all.nodes.filter((node: { consumer: string }) => node.consumer === 'erp.paging').map((node: { id: string }) => node.id);
    await ok(dismissMutation, { ids: paged, reason: 'paging test' });
  });

  it('serves the operations fields on their own: introspection shows them, mixing them with graph fields is refused', async () => {
    const schema = await ok(`{
      query: __type(name: "Query") { fields { name } }
      mutation: __type(name: "Mutation") { fields { name } }
    }`);
    assert.ok(schema.query.fields.some((field: { name: string }) => field.name === 'deadLetters'));
    assert.ok(schema.query.fields.some((field: { name: string }) => field.name === 'customers'), 'the graph is still there');
    for (const name of ['retryDeadLetters', 'dismissDeadLetters']) {
      assert.ok(schema.mutation.fields.some((field: { name: string }) => field.name === name));
    }
    const mixed = await graph.query(`query Mixed { deadLetters(first: 1) { totalCount } ...Graph }
      fragment Graph on Query { customers(first: 1) { nodes { id } } }`);
    assert.equal(mixed.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(mixed));
    assert.match(mixed.errors![0].message, /deadLetters.*\(customers\)/);
    const typename = await ok(`{ __typename deadLetters(first: 0) { totalCount } }`);
    assert.equal(typename.__typename, 'Query');
  });

  /**
   * Stops `server` and answers on its port, until `restore`, by cutting every connection, counting the requests that
   * came for erp's service identity (its posting consumer's tries).
   */
  async function takeAway(server: Server, port: number) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const tries = { erp: 0 };
    const away: Server = createServer((req) => {
      const identity = JSON.parse(Buffer.from(String(req.headers[IDENTITY_HEADER] ?? ''), 'base64url').toString('utf8') || '{}');
      if (identity.service === 'erp') tries.erp++;
      req.socket.destroy();
    });
    await new Promise<void>((resolve) => away.listen(port, '127.0.0.1', resolve));
    return {
      tries,
      async restore() {
        away.closeAllConnections();
        await new Promise((resolve) => away.close(resolve));
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      },
    };
  }

  /** While `server` is away, erp tries the approval more often than the bound and parks nothing; then posts it. */
  async function postedAfterOutage(server: Server, port: number) {
    const away = await takeAway(server, port);
    const event = approval(randomUUID());
    try {
      await publishFromTime(event);
      await eventually(async () => assert.ok(away.tries.erp > maxAttempts + 1, `${away.tries.erp} tries so far`), 30_000);
      const erp = graph.hub.subgraphs.erp.database.db as unknown as Kysely<OutboxTables>;
      assert.deepEqual(await erp.selectFrom('dead_letter').select('id').where('event_id', '=', event.id).execute(), [], 'not parked');
    } finally {
      await away.restore();
    }
    await graph.hub.settle();
    await eventually(async () => assert.equal((await costPostingsOf(event.data.timeEntryId)).length, 1), 60_000);
    assert.deepEqual(await parkedOf(event.id), []);
  }

  it('keeps retrying while the gateway is away, past the bound, parks nothing, and posts once it is back', async () => {
    await postedAfterOutage(graph.hub.gateway.httpServer, Number(new URL(graph.url).port));
  });

  it('the same while a subgraph behind the gateway is away (psa, which erp reads projects from)', async () => {
    const psa = graph.hub.subgraphs.psa;
    await postedAfterOutage(psa.runtime.httpServer, Number(new URL(psa.url).port));
  });
});

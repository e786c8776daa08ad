import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import { loadConfig } from '../../lib/config.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { queueWebhookDeliveries } from '../../lib/webhooks/consumer.ts';
import { timeTopics } from '../../subgraphs/time/events.ts';
import { billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';
import { entriesNotPostedOnce } from '../support/postings.ts';
import { dataOf } from '../support/subgraph-harness.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { liveClient } from '../support/live-client.ts';

/** A receiver that answers 200 to everything and keeps each request's body. */
async function startReceiver() {
  const bodies: any[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    bodies,
    url: `http://127.0.0.1:${port}/spike`,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A spike of approvals (issue 20): one commit's many events reach the consumers in batches (in-process: a relay pass;
 * Redis: a read), and everything downstream stays exact: erp posts each entry once, the webhook queue queues each
 * event once per endpoint in the events' order, and a live subscriber receives every status of every entry in order.
 */
describe('an approval spike through the gateway', () => {
  const today = new Date().toISOString().slice(0, 10);
  const work = billableWork(planDemoFirm({ scale: 1, today }), today, 'TIME_AND_MATERIALS');
  const config = loadConfig({ RATE_LIMIT_POINTS_PER_MINUTE: '0', WEBHOOK_POLL_INTERVAL: '20ms', WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') });
  const spike = 40;
  let graph: HubHarness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let client: Client | undefined;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, config });
    receiver = await startReceiver();
  });
  after(async () => {
    await client?.dispose();
    await graph?.close();
    await receiver?.stop();
  });

  it('posts every entry once, queues one webhook per approval in order, and streams every status of every entry in order', async () => {
    const register = `mutation($input: RegisterWebhookEndpointInput!) { registerWebhookEndpoint(input: $input) { endpoint { id } } }`;
    const endpointId = dataOf(await graph.query(register, { input: { url: receiver.url, eventTypes: [timeTopics.entryApproved] } })).registerWebhookEndpoint.endpoint.id;

    const results: Array<{ id: string; status: string; cursor: string }> = [];
    client = liveClient(graph.url, await signBearerToken(work.asWorker, testJwtSecret));
    client.subscribe(
      { query: `subscription { timeEntryStatusChanged { id status } }` },
      {
        next: (value) => {
          const change = (value.data as any).timeEntryStatusChanged;
          results.push({ ...change, cursor: String((value.extensions as Record<string, unknown> | undefined)?.cursor) });
        },
        error: (error) => assert.fail(`subscription failed: ${JSON.stringify(error)}`),
        complete: () => undefined,
      },
    );
    await eventually(async () => assert.equal(graph.hub.gateway.live!.subscriberCount, 1));

    const inputs = Array.from({ length: spike }, (_, index) => ({ projectId: work.assignment.projectId, taskId: work.task.id, date: today, hours: '0.01', notes: `spike ${index}` }));
    const logged = dataOf(await graph.query(`mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } } }`, { inputs }, work.asWorker));
    const ids: string[] = logged.logTimeEntries.map((result: any) => result.entry.id);
    dataOf(await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids }, work.asWorker));
    await graph.hub.settle();
    await eventually(async () => assert.equal(results.length, spike));
    dataOf(await graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids }, work.asManager));
    await graph.hub.settle();
    await eventually(async () => assert.equal(results.length, 2 * spike));

    // The live feed: each entry SUBMITTED once, then APPROVED once, in cursor order, and nothing else.
    for (const id of ids) assert.deepEqual(results.filter((result) => result.id === id).map((result) => result.status), ['SUBMITTED', 'APPROVED'], id);
    assert.deepEqual(results.slice(0, spike).map((result) => result.status), Array(spike).fill('SUBMITTED'));
    const cursors = results.map((result) => result.cursor);
    assert.equal(new Set(cursors).size, cursors.length, 'one cursor per delivery');

    // erp: one cost posting and one billing event per entry.
    assert.deepEqual(await entriesNotPostedOnce(graph.hub.subgraphs.erp.database.db, ids), []);

    // Webhooks: one delivery per approval, queued in the order time published the approvals, each received once.
    const published = await graph.hub.subgraphs.time.database.db
      .selectFrom('outbox')
      .select('subject_id')
      .where('type', '=', timeTopics.entryApproved)
      .where('subject_id', 'in', ids)
      .orderBy('sequence')
      .execute();
    const queued = await graph.hub.subgraphs.hcm.database.db
      .selectFrom('webhook_delivery')
      .select('subject_id')
      .where('endpoint_id', '=', endpointId)
      .orderBy('seq')
      .execute();
    assert.equal(published.length, spike);
    assert.deepEqual(queued.map((row: { subject_id: string }) => row.subject_id), published.map((row: { subject_id: string }) => row.subject_id));
    await eventually(async () => assert.equal(receiver.bodies.length, spike));
    assert.deepEqual(new Set(receiver.bodies.map((body) => body.subject.id)), new Set(ids));
  });

  it('queues a batch of events with the same statements, whatever its size, and a batch handed over again queues nothing twice', async () => {
    const hcm = graph.hub.subgraphs.hcm.database;
    const approvals = (count: number): DomainEvent[] =>
      Array.from({ length: count }, () => {
        const id = randomUUID();
        return createEvent('time', timeTopics.entryApproved, { typename: 'TimeEntry', id }, { timeEntryId: id }, { correlationId: randomUUID() }, new Date()) as DomainEvent;
      });
    const statementsFor = async (events: DomainEvent[]) => {
      hcm.statements.reset();
      const queued = await queueWebhookDeliveries(hcm.db, 'test.webhooks.spike', events, new Date());
      return { queued, statements: hcm.statements.total };
    };
    const few = await statementsFor(approvals(5));
    const many = approvals(50);
    const more = await statementsFor(many);
    assert.deepEqual([few.queued, more.queued], [5, 50], 'one endpoint subscribes to approvals');
    assert.equal(more.statements, few.statements, 'statements do not grow with the batch');
    assert.equal((await statementsFor([...many, many[0]])).queued, 0, 'handed over again (and twice within the batch): nothing queued again');
  });
});

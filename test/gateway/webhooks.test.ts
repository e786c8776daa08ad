import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { judgeFailure } from '../../lib/webhooks/retry-policy.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

type Verify = (secret: string, headers: IncomingHttpHeaders, rawBody: string) => boolean;

/** The README's verification snippet, run as a receiver would run it. */
async function readmeVerifier(): Promise<Verify> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const snippet = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]).find((code) => code.includes('verifyPsgraphWebhook'));
  assert.ok(snippet, 'the README shows how to verify a delivery');
  const file = join(tmpdir(), `verify-psgraph-webhook-${randomBytes(4).toString('hex')}.mjs`);
  writeFileSync(file, snippet);
  try {
    return ((await import(pathToFileURL(file).href)) as { verifyPsgraphWebhook: Verify }).verifyPsgraphWebhook;
  } finally {
    unlinkSync(file);
  }
}

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
  readonly raw: string;
  /** Whether the README's check passed with the path's secrets (any of them). */
  readonly verified: boolean;
  /** What the receiver answered. */
  readonly status: number;
}

/** A receiver as a firm's system would run one: one path per endpoint, answers chosen by the test, every request kept. */
class Receiver {
  readonly received: Received[] = [];
  readonly secrets = new Map<string, string[]>();
  readonly answers = new Map<string, (request: { body: any; count: number }) => number>();
  #server: Server | undefined;
  #port = 0;

  constructor(private readonly verify: Verify) {}

  async start(port = 0) {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        const raw = Buffer.concat(chunks).toString('utf8');
        const verified = (this.secrets.get(path) ?? []).some((secret) => this.verify(secret, req.headers, raw));
        const body = JSON.parse(raw);
        const count = this.received.filter((r) => r.path === path && r.body.id === body.id).length;
        const status = verified ? (this.answers.get(path)?.({ body, count }) ?? 200) : 401;
        this.received.push({ path, headers: req.headers, body, raw, verified, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  url(path: string) {
    return `http://127.0.0.1:${this.#port}${path}`;
  }

  async stop() {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** Requests at `path` about the record `subjectId`. */
  about(path: string, subjectId: string) {
    return this.received.filter((r) => r.path === path && r.body.subject.id === subjectId);
  }
}

const register = `mutation($input: RegisterWebhookEndpointInput!, $key: String) {
  registerWebhookEndpoint(input: $input, idempotencyKey: $key) { secret endpoint { id url eventTypes status } }
}`;
const endpointFields = 'id status disabledReason disabledAt failingSince deliveriesGivenUpInARow eventTypes';
const deliveries = `query($filter: WebhookDeliveryFilter) {
  webhookDeliveries(filter: $filter, first: 100) {
    totalCount
    nodes {
      id eventId eventType occurredAt status attempts lastStatusCode lastError nextAttemptAt deliveredAt
      subject { typename id } endpoint { id } replayOf { id }
    }
  }
}`;

/**
 * Webhooks out (README "Get told of changes") as a firm's system meets them: a real HTTP receiver verifies every
 * delivery with the README's snippet; approvals reach it through the outbox pipeline; failures are retried with short
 * settings (milliseconds instead of hours), ordered per entity, disable the endpoint and resume when it is enabled.
 */
describe('webhooks through the gateway', () => {
  const today = new Date().toISOString().slice(0, 10);
  const work = billableWork(planDemoFirm({ scale: 1, today }), today);
  const config = loadConfig({
    RATE_LIMIT_POINTS_PER_MINUTE: '0',
    WEBHOOK_BACKOFF_BASE: '20ms',
    WEBHOOK_BACKOFF_MAX: '200ms',
    WEBHOOK_TIMEOUT: '2s',
    WEBHOOK_RETRY_FOR: '1m',
    WEBHOOK_DISABLE_AFTER: '3s',
    WEBHOOK_POLL_INTERVAL: '20ms',
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
  });
  let graph: HubHarness;
  let receiver: Receiver;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, config });
    receiver = new Receiver(await readmeVerifier());
    await receiver.start();
  });
  after(async () => {
    await graph?.close();
    await receiver?.stop();
  });

  const ok = async (query: string, variables: Record<string, unknown> = {}) => dataOf(await graph.query(query, variables));
  /** Registers `path` of `on` for `eventTypes` and tells the receiver its secret. */
  const endpointAt = async (path: string, eventTypes: string[], on = receiver) => {
    const { registerWebhookEndpoint } = await ok(register, { input: { url: on.url(path), eventTypes } });
    on.secrets.set(path, [registerWebhookEndpoint.secret]);
    return registerWebhookEndpoint.endpoint.id as string;
  };
  const deliveriesOf = async (endpointId: string) => (await ok(deliveries, { filter: { endpointId } })).webhookDeliveries.nodes as any[];
  const endpoint = async (id: string) => (await ok(`query($id: ID!) { webhookEndpoint(id: $id) { ${endpointFields} } }`, { id })).webhookEndpoint;
  const logTime = async (hours: string) => {
    const input = { projectId: work.assignment.projectId, taskId: work.task.id, date: today, hours };
    return dataOf(await graph.query(`mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`, { input }, work.asWorker))
      .logTimeEntry.id as string;
  };

  it('registers an endpoint for ADMIN only, shows its secret once and refuses unknown event types', async () => {
    const url = receiver.url('/admin');
    const { registerWebhookEndpoint: first } = await ok(register, { input: { url, eventTypes: ['time.*'] }, key: 'register-admin' });
    assert.match(first.secret, /^whsec_/);
    assert.deepEqual(first.endpoint.eventTypes, ['time.*']);
    assert.equal(first.endpoint.status, 'ENABLED');
    const { registerWebhookEndpoint: again } = await ok(register, { input: { url, eventTypes: ['time.*'] }, key: 'register-admin' });
    assert.equal(again.endpoint.id, first.endpoint.id);
    assert.equal(again.secret, null, 'a replayed registration does not show the secret again');

    const fields = (await ok(`{ __type(name: "WebhookEndpoint") { fields { name } } }`)).__type.fields.map((f: { name: string }) => f.name);
    assert.ok(!fields.some((name: string) => /secret$/i.test(name)), `no field reads the secret: ${fields}`);
    const rows = await graph.hub.subgraphs.hcm.database.db.selectFrom('webhook_endpoint').select('secret').execute();
    assert.ok(rows.every((row: { secret: string }) => !row.secret.includes(first.secret.slice(6))), 'encrypted at rest under WEBHOOK_SECRET_KEY');

    for (const eventTypes of [['time.entry.aproved'], ['nope.*'], []]) {
      const refused = await graph.query(register, { input: { url, eventTypes } });
      assert.equal(refused.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(refused.errors));
    }
    const typo = await graph.query(register, { input: { url, eventTypes: ['time.entry.aproved'] } });
    assert.match(typo.errors![0].message, /time\.entry\.approved/, 'the refusal lists the valid types');
    const credentials = await graph.query(register, { input: { url: 'https://user:pw@example.com/', eventTypes: ['*'] } });
    assert.equal(credentials.errors?.[0].extensions?.code, 'BAD_USER_INPUT');

    const asWorker = { roles: ['WORKER' as const], workerId: work.worker.id };
    for (const query of [`{ webhookEndpoints { totalCount } }`, `{ webhookDeliveries { totalCount } }`, `{ webhookEventTypes }`]) {
      assert.equal((await graph.query(query, {}, asWorker)).errors?.[0].extensions?.code, 'FORBIDDEN', query);
    }
    const byWorker = await graph.query(register, { input: { url, eventTypes: ['*'] } }, asWorker);
    assert.equal(byWorker.errors?.[0].extensions?.code, 'FORBIDDEN');
    await ok(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: first.endpoint.id });
    assert.equal((await ok(`query($id: ID!) { webhookEndpoint(id: $id) { id } }`, { id: first.endpoint.id })).webhookEndpoint, null);
  });

  let approvedDelivery: { endpointId: string; deliveryId: string; eventId: string };

  it('an approval reaches the receiver as time.entry.approved, signed, with the envelope', async () => {
    const endpointId = await endpointAt('/approvals', ['time.entry.approved']);
    const entry = await approvedEntry(graph, work, '1');
    const [request] = await eventually(async () => {
      const got = receiver.about('/approvals', entry.id);
      assert.equal(got.length, 1);
      return got;
    });
    assert.ok(request.verified, 'the signature verifies with the README snippet');
    assert.equal(request.body.type, 'time.entry.approved');
    assert.deepEqual(Object.keys(request.body).sort(), ['correlationId', 'data', 'id', 'occurredAt', 'subject', 'type']);
    assert.deepEqual(request.body.subject, { typename: 'TimeEntry', id: entry.id });
    assert.equal(request.body.data.status, 'APPROVED');
    assert.equal(request.headers['psgraph-webhook-id'], request.body.id);
    assert.match(String(request.headers['psgraph-webhook-signature']), /^v1=[0-9a-f]{64}$/);
    const [delivery] = await eventually(async () => {
      const log = (await deliveriesOf(endpointId)).filter((d) => d.subject.id === entry.id);
      assert.equal(log[0]?.status, 'DELIVERED');
      return log;
    });
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.lastStatusCode, 200);
    assert.equal(delivery.eventId, request.body.id);
    assert.equal(delivery.nextAttemptAt, null);
    approvedDelivery = { endpointId, deliveryId: delivery.id, eventId: delivery.eventId };
  });

  it('retries a receiver answering 500 until it answers 200', async () => {
    const endpointId = await endpointAt('/flaky', ['time.entry.approved']);
    receiver.answers.set('/flaky', ({ count }) => (count < 3 ? 500 : 200));
    const entry = await approvedEntry(graph, work, '1');
    const delivery = await eventually(async () => {
      const [found] = (await deliveriesOf(endpointId)).filter((d) => d.subject.id === entry.id);
      assert.equal(found?.status, 'DELIVERED');
      return found;
    });
    assert.equal(delivery.attempts, 4);
    assert.equal(delivery.lastStatusCode, 200);
    const attempts = receiver.about('/flaky', entry.id);
    assert.deepEqual(attempts.map((r) => r.status), [500, 500, 500, 200]);
    assert.equal(new Set(attempts.map((r) => r.headers['psgraph-webhook-id'])).size, 1, 'every attempt carries the same event id');
    assert.equal((await endpoint(endpointId)).failingSince, null, 'a success clears the failure');
  });

  it("delivers an entity's events in order: the approval waits for the submission's retries", async () => {
    await endpointAt('/ordered', ['time.entry.*']);
    receiver.answers.set('/ordered', ({ body, count }) => (body.type === 'time.entry.submitted' && count < 2 ? 503 : 200));
    const id = await logTime('1');
    dataOf(await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [id] }, work.asWorker));
    dataOf(await graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: [id] }, work.asManager));
    const got = await eventually(async () => {
      const requests = receiver.about('/ordered', id);
      assert.ok(requests.some((r) => r.body.type === 'time.entry.approved' && r.status === 200), 'an approval delivered');
      return requests;
    });
    assert.deepEqual(
      got.map((r) => `${r.body.type} ${r.status}`),
      ['time.entry.submitted 503', 'time.entry.submitted 503', 'time.entry.submitted 200', 'time.entry.approved 200'],
    );
  });

  it('replays deliveries by id and by endpoint and time range', async () => {
    const { endpointId, deliveryId, eventId } = approvedDelivery;
    const before = receiver.received.filter((r) => r.body.id === eventId && r.path === '/approvals').length;
    const { replayWebhookDeliveries: replayed } = await ok(
      `mutation($input: ReplayWebhookDeliveriesInput!) { replayWebhookDeliveries(input: $input) { id eventId replayOf { id } } }`,
      { input: { ids: [deliveryId] } },
    );
    assert.equal(replayed.length, 1);
    assert.equal(replayed[0].replayOf.id, deliveryId);
    assert.equal(replayed[0].eventId, eventId);
    await eventually(async () => {
      const sent = receiver.received.filter((r) => r.body.id === eventId && r.path === '/approvals');
      assert.equal(sent.length, before + 1);
      assert.ok(sent.every((r) => r.verified && r.headers['psgraph-webhook-id'] === eventId), 'every delivery signed, with the event id');
    });
    const originals = (await deliveriesOf(endpointId)).filter((d) => d.replayOf === null);
    const range = { endpointId, from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() };
    const { replayWebhookDeliveries: all } = await ok(
      `mutation($input: ReplayWebhookDeliveriesInput!) { replayWebhookDeliveries(input: $input) { id status } }`,
      { input: range },
    );
    assert.equal(all.length, originals.length);
    const refused = await graph.query(`mutation { replayWebhookDeliveries(input: {}) { id } }`);
    assert.equal(refused.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  });

  it('reads a page of the delivery log with the same statements, whatever its size', async () => {
    const hcm = graph.hub.subgraphs.hcm.database;
    const statements = async (first: number) => {
      await graph.hub.settle();
      hcm.statements.reset();
      const page = `query($first: Int) {
        webhookDeliveries(first: $first) { nodes { id occurredAt endpoint { id createdBy { name } } replayOf { id eventId } } }
      }`;
      assert.equal((await ok(page, { first })).webhookDeliveries.nodes.length, first);
      return hcm.statements.total;
    };
    assert.equal(await statements(2), await statements(8));
  });

  it('delivers what happened while the receiver was down once it is back', async () => {
    const down = new Receiver(await readmeVerifier());
    await down.start();
    const port = Number(new URL(down.url('/')).port);
    const endpointId = await endpointAt('/down', ['time.entry.approved'], down);
    await down.stop();
    const entry = await approvedEntry(graph, work, '1');
    await eventually(async () => {
      const [pending] = (await deliveriesOf(endpointId)).filter((d) => d.subject.id === entry.id);
      assert.equal(pending?.status, 'PENDING');
      assert.ok(pending.attempts >= 1, 'attempted at least once');
      assert.equal(pending.lastStatusCode, null);
      assert.match(pending.lastError, /ECONNREFUSED|fetch failed/);
      assert.ok(pending.nextAttemptAt);
    });
    await down.start(port);
    try {
      await eventually(async () => {
        const [done] = (await deliveriesOf(endpointId)).filter((d) => d.subject.id === entry.id);
        assert.equal(done?.status, 'DELIVERED');
      });
      assert.ok(down.about('/down', entry.id).every((r) => r.verified), 'every attempt signed');
    } finally {
      await down.stop();
    }
  });

  it('disables an endpoint on 410 or failing for WEBHOOK_DISABLE_AFTER, keeps its deliveries, and resumes them when enabled', async () => {
    const endpointId = await endpointAt('/broken', ['time.entry.approved']);
    receiver.answers.set('/broken', () => 500);
    const goneId = await endpointAt('/gone', ['time.entry.approved']);
    receiver.answers.set('/gone', () => 410);
    const first = await approvedEntry(graph, work, '1');
    const gone = await eventually(async () => {
      const found = await endpoint(goneId);
      assert.equal(found.status, 'DISABLED');
      return found;
    });
    assert.match(gone.disabledReason, /410 Gone/, 'a 410 disables at once');
    const disabled = await eventually(async () => {
      const found = await endpoint(endpointId);
      assert.equal(found.status, 'DISABLED');
      return found;
    }, 10_000);
    assert.match(disabled.disabledReason, /every attempt failed since .*HTTP 500/);
    assert.ok(disabled.disabledAt);
    const second = await approvedEntry(graph, work, '1');
    await eventually(async () => {
      const log = await deliveriesOf(endpointId);
      assert.equal(log.find((d) => d.subject.id === second.id)?.attempts, 0, 'queued while disabled, not sent');
    });
    const [held] = (await deliveriesOf(endpointId)).filter((d) => d.subject.id === first.id);
    assert.equal(held.status, 'PENDING', 'nothing given up while the endpoint is disabled');

    receiver.answers.set('/broken', () => 200);
    const enabled = (await ok(`mutation($id: ID!) { enableWebhookEndpoint(id: $id) { ${endpointFields} } }`, { id: endpointId }))
      .enableWebhookEndpoint;
    assert.equal(enabled.status, 'ENABLED');
    assert.equal(enabled.disabledReason, null);
    await eventually(async () => {
      const log = (await deliveriesOf(endpointId)).filter((d) => [first.id, second.id].includes(d.subject.id));
      assert.deepEqual(log.map((d) => d.status), ['DELIVERED', 'DELIVERED']);
    });

  });

  it('pings an endpoint once, signed with both secrets while a rotated one is still valid', async () => {
    const endpointId = await endpointAt('/ping', ['erp.invoice.issued']);
    const oldSecret = receiver.secrets.get('/ping')![0];
    const { rotateWebhookSecret } = await ok(
      `mutation($id: ID!) { rotateWebhookSecret(id: $id, previousSecretValidHours: 1) { secret endpoint { id } } }`,
      { id: endpointId },
    );
    assert.notEqual(rotateWebhookSecret.secret, oldSecret);
    for (const secret of [rotateWebhookSecret.secret, oldSecret]) {
      receiver.secrets.set('/ping', [secret]);
      const { pingWebhookEndpoint } = await ok(
        `mutation($id: ID!) { pingWebhookEndpoint(id: $id) { status attempts lastStatusCode eventType } }`,
        { id: endpointId },
      );
      assert.deepEqual(pingWebhookEndpoint, { status: 'DELIVERED', attempts: 1, lastStatusCode: 200, eventType: 'hcm.webhook.ping' });
    }
    const pings = receiver.received.filter((r) => r.path === '/ping');
    assert.equal(String(pings.at(-1)!.headers['psgraph-webhook-signature']).split(',').length, 2);
    const missing = await graph.query(`mutation { pingWebhookEndpoint(id: "00000000-0000-0000-0000-000000000000") { id } }`);
    assert.equal(missing.errors?.[0].extensions?.code, 'NOT_FOUND');
  });
});

describe('the webhook retry rule', () => {
  const settings = loadConfig({ WEBHOOK_RETRY_FOR: '1h', WEBHOOK_DISABLE_AFTER: '2h', WEBHOOK_DISABLE_AFTER_GIVEN_UP: '2' }).webhooks;
  const at = (minutes: number) => new Date(Date.UTC(2026, 11, 7, 12, minutes));
  const failed = { statusCode: 500, error: 'HTTP 500' };
  const cases = [
    { name: 'retries within the window', result: failed, state: { first: 0, failing: 0, givenUp: 0 }, now: 10, kind: 'retry' },
    { name: 'gives up after WEBHOOK_RETRY_FOR', result: failed, state: { first: 0, failing: 0, givenUp: 0 }, now: 61, kind: 'give-up' },
    { name: 'disables after N given up in a row', result: failed, state: { first: 0, failing: 0, givenUp: 1 }, now: 61, kind: 'give-up', disable: true },
    { name: 'disables after WEBHOOK_DISABLE_AFTER failing', result: failed, state: { first: 100, failing: 0, givenUp: 0 }, now: 121, kind: 'disable' },
    { name: 'disables at once on 410', result: { statusCode: 410, error: 'HTTP 410' }, state: { first: 0, failing: 0, givenUp: 0 }, now: 1, kind: 'disable' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const state = { attempts: 3, firstAttemptAt: at(c.state.first), failingSince: at(c.state.failing), givenUpInARow: c.state.givenUp };
      const verdict = judgeFailure(c.result, state, settings, at(c.now), () => 0.5);
      assert.equal(verdict.kind, c.kind);
      if (verdict.kind === 'give-up') assert.equal(verdict.disable !== null, Boolean(c.disable));
      if (verdict.kind === 'retry') assert.equal(verdict.at.getTime() - at(c.now).getTime(), 30_000, '10 s doubled twice, 3/4 with half jitter');
    });
  }
});

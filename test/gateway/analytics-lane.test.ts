import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../lib/auth/identity.ts';
import type { AnalyticsLane } from '../../gateway/analytics-lane.ts';
import type { GatewayRuntime } from '../../gateway/server.ts';
import { createGraphClient } from '../../lib/graph-client.ts';
import { gatewayOver, startTestHub, testIdentitySecret, type HubHarness } from '../support/hub-harness.ts';

/**
 * The analytics lane (gateway/analytics-lane.ts): a gateway with the lane answers exactly as the hub's own gateway
 * (no lane) over the same subgraphs — status, headers and body byte for byte — for answers, errors and refusals;
 * only operations estimated at the lane's minimum cost go to it; a worker that dies is restarted and its requests are
 * answered meanwhile; the lane spends the main thread's rate-limit buckets; it stops with the gateway.
 */
describe('the analytics lane', () => {
  let graph: HubHarness;
  let laned: GatewayRuntime;
  let lane: AnalyticsLane;
  let lanedUrl: string;
  let workerId: string;
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
  // Three months by worker and day: ~13,500 points, over the default minimum (5,000).
  const byDay = `query($from: Date!, $to: Date!) {
    rows: utilization(from: $from, to: $to, groupBy: [WORKER], period: DAY) { worker { id name } periodStart billableHours capacityHours utilization }
  }`;
  // The same by legal entity and month: ~20 points, the main lane's.
  const byMonth = byDay.replace('[WORKER], period: DAY', '[LEGAL_ENTITY], period: MONTH');

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
    laned = gatewayOver(graph, { analyticsLane: { enabled: true } });
    lanedUrl = await laned.listen(0);
    lane = laned.analyticsLane!;
    assert.equal(await lane.ready(), true);
    const { data } = await graph.query('{ workers(first: 1) { nodes { id } } }');
    workerId = data.workers.nodes[0].id;
  });
  after(async () => {
    await laned?.stop();
    await graph?.close();
  });

  /** One POST as `roles`, with a fixed correlation id so that both gateways' headers can be compared. */
  async function post(url: string, body: unknown, roles: readonly Role[], worker: string | null = null, correlationId = randomUUID()) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await graph.token([...roles], worker)}`,
        'x-correlation-id': correlationId,
      },
      body: JSON.stringify(body),
    });
    const headers = Object.fromEntries([...response.headers].filter(([name]) => !['date', 'keep-alive', 'connection'].includes(name)));
    return { status: response.status, headers, text: await response.text() };
  }

  /** The same request to the hub's gateway (no lane) and the laned one: their answers, and whether the lane served it. */
  async function both(body: unknown, roles: readonly Role[], worker: string | null = null) {
    const correlationId = randomUUID();
    const main = await post(graph.url, body, roles, worker, correlationId);
    const before = lane.answered;
    const laneAnswer = await post(lanedUrl, body, roles, worker, correlationId);
    return { main, laned: laneAnswer, inLane: lane.answered > before };
  }

  it('answers an analytics operation byte for byte as the gateway without the lane, from the lane', async () => {
    const { main, laned: answer, inLane } = await both({ query: byDay, variables: { from, to } }, ['FINANCE']);
    assert.equal(inLane, true, 'the lane answered');
    assert.equal(main.status, 200);
    assert.ok(JSON.parse(main.text).data.rows.length > 1000, 'a long answer');
    assert.deepEqual(answer, main);
  });

  it('answers errors and refusals identically: subgraph errors, field access, demand control, authentication', async () => {
    // The subgraph refuses the question (timesheetCompliance is not asked by DAY): BAD_USER_INPUT, masked as on main.
    const refusedByTime = { query: byDay.replace('utilization', 'timesheetCompliance').replace(/\{ worker.*\}\n/, '{ periodStart }\n'), variables: { from, to } };
    // A worker asking for the firm's utilization: field access.
    const asWorker = ['WORKER'] as const;
    // Three years by worker and day: past a WORKER's cost budget (QUERY_TOO_COMPLEX, 400), refused in the lane.
    const tooCostly = { query: byDay, variables: { from: new Date(Date.now() - 3 * 365 * 86_400_000).toISOString().slice(0, 10), to } };
    // Variables that do not coerce: a 200 with BAD_USER_INPUT under application/json.
    const badVariables = { query: byDay, variables: { from: 'not a date', to } };
    for (const [label, body, roles, worker] of [
      ['subgraph error', refusedByTime, ['FINANCE'], null],
      ['demand control', tooCostly, asWorker, workerId],
      ['variables', badVariables, ['FINANCE'], null],
    ] as const) {
      const { main, laned: answer } = await both(body, roles, worker);
      assert.deepEqual(answer, main, label);
      assert.ok(main.text.includes('"errors"'), `${label}: ${main.text.slice(0, 200)}`);
    }
    // Row-level access: a worker asking for everyone's utilization gets their own rows only, in either lane.
    const own = await both({ query: byDay, variables: { from, to } }, asWorker, workerId);
    assert.equal(own.inLane, true);
    assert.deepEqual(own.laned, own.main);
    const rows: { worker: { id: string } }[] = JSON.parse(own.main.text).data.rows;
    assert.ok(rows.length > 0);
    assert.deepEqual([...new Set(rows.map((row) => row.worker.id))], [workerId]);
    const tooCostlyAnswer = await both(tooCostly, asWorker, workerId);
    assert.equal(tooCostlyAnswer.main.status, 400);
    assert.equal(tooCostlyAnswer.inLane, true, 'demand control refused it in the lane');
    // No token, or a bad one: refused before any lane, as ever.
    const unauthenticated = await fetch(lanedUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, body: JSON.stringify({ query: byDay, variables: { from, to } }) });
    assert.equal(unauthenticated.status, 401);
  });

  it("counts the lane's requests in the gateway's /metrics", async () => {
    const named = byDay.replace('query(', 'query LaneMetrics(');
    const count = async () => {
      const text = await (await fetch(lanedUrl.replace('/graphql', '/metrics'))).text();
      const line = text.split('\n').find((entry) => entry.startsWith('psgraph_graphql_requests_total{') && entry.includes('operation="LaneMetrics"') && entry.includes('status="ok"'));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const before = await count();
    const answered = lane.answered;
    assert.equal((await post(lanedUrl, { query: named, variables: { from, to } }, ['FINANCE'])).status, 200);
    assert.equal(lane.answered, answered + 1);
    assert.equal(await count(), before + 1);
  });

  it('never sends a cheap query or a mutation to the lane', async () => {
    const before = lane.answered;
    const cheap = await both({ query: byMonth, variables: { from, to } }, ['FINANCE']);
    assert.deepEqual(cheap.laned, cheap.main);
    assert.equal(cheap.main.status, 200);
    // A mutation, however much it selects, runs once, on the main lane (here refused by the subgraph: no such entry).
    const mutation = await both({ query: 'mutation { submitTimeEntries(ids: ["00000000-0000-0000-0000-000000000000"]) { id } }' }, ['ADMIN']);
    assert.deepEqual(mutation.laned, mutation.main);
    // A subgraph's paged read by ids (as time validates a logging request): estimated at its page size, ~250,000
    // points, yet a handful of rows; a service's read goes only with a KPI or planning field.
    const asTime = createGraphClient({ service: 'time', url: () => lanedUrl, identitySecret: testIdentitySecret, roles: ['FINANCE'] });
    const validation = await asTime.query<{ workers: { nodes: { id: string }[] } }>(
      'query($ids: [ID!]!) { workers(first: 500, filter: { ids: $ids }) { nodes { id name directReports(first: 500) { nodes { id } } } } }',
      { ids: [workerId] },
    );
    assert.equal(validation.workers.nodes[0].id, workerId);
    assert.equal(lane.answered, before, 'nothing reached the lane');
    const kpi = await asTime.query<{ rows: unknown[] }>(byDay, { from, to });
    assert.ok(kpi.rows.length > 1000);
    assert.equal(lane.answered, before + 1, "a service's KPI read is the lane's");
  });

  it('answers while its worker is down, and restarts it', async () => {
    const expected = await post(graph.url, { query: byDay, variables: { from, to } }, ['FINANCE']);
    const starts = lane.starts;
    // A request in flight when the worker dies, and one sent while it restarts: both answered on the main lane.
    const inFlight = post(lanedUrl, { query: byDay, variables: { from, to } }, ['FINANCE']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await lane.crashForTest();
    const whileDown = await post(lanedUrl, { query: byDay, variables: { from, to } }, ['FINANCE']);
    for (const answer of [await inFlight, whileDown]) {
      assert.equal(answer.status, 200);
      assert.equal(answer.text, expected.text);
    }
    assert.equal(await lane.ready(), true);
    assert.equal(lane.starts, starts + 1, 'restarted once');
    const answered = lane.answered;
    const afterRestart = await post(lanedUrl, { query: byDay, variables: { from, to } }, ['FINANCE']);
    assert.equal(afterRestart.text, expected.text);
    assert.equal(lane.answered, answered + 1, 'the restarted lane answered');
  });

  it("spends the main thread's rate-limit buckets: a caller's budget is one, whichever lane serves it", async () => {
    const limited = gatewayOver(graph, {
      analyticsLane: { enabled: true },
      // Two requests a minute at the floor: a cheap one on the main lane, one in the lane, then refused.
      rateLimits: { pointsPerMinute: 100_000, minPointsPerRequest: 50_000 },
    });
    const url = await limited.listen(0);
    try {
      assert.equal(await limited.analyticsLane!.ready(), true);
      assert.equal((await post(url, { query: byMonth, variables: { from, to } }, ['WORKER'], workerId)).status, 200);
      assert.equal((await post(url, { query: byDay, variables: { from, to } }, ['WORKER'], workerId)).status, 200);
      const refused = await post(url, { query: byDay, variables: { from, to } }, ['WORKER'], workerId);
      assert.equal(refused.status, 429);
      assert.equal(JSON.parse(refused.text).errors[0].extensions.code, 'RATE_LIMITED');
      assert.ok(refused.headers['retry-after']);
      assert.equal(limited.analyticsLane!.answered, 2, 'both analytics requests were the lane\'s');
    } finally {
      await limited.stop();
    }
    assert.equal(await limited.analyticsLane!.ready(), false, 'stopped with its gateway');
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../../lib/clock.ts';
import { ConfigError, loadConfig } from '../../lib/config.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox, type OutboxTables } from '../../lib/events/outbox.ts';
import { subgraphModules } from '../../gateway/subgraphs.ts';
import { entryBilling } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { MAX_OPERATION_NAMES, operationLabel } from '../../gateway/metrics.ts';
import { gatewayOver, startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { K, kpiFirm, taskOf } from '../support/erp-kpi-firm.ts';

/** One sample of Prometheus' text format. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parseExposition(text: string): { samples: Sample[]; declared: Set<string> } {
  const samples: Sample[] = [];
  const declared = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) declared.add(type[1]);
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { samples, declared };
}

/** The value of the one sample of `name` whose labels include `labels`, or undefined. */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  assert.ok(found.length <= 1, `one ${name} ${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]?.value;
}

const metricsUrlOf = (graphqlUrl: string) => new URL('/metrics', graphqlUrl).toString();

describe('/metrics: Prometheus metrics of the gateway and the subgraphs', () => {
  let graph: HubHarness;
  const now = new Date('2026-03-06T17:00:00Z');
  const clock: Clock = { now: () => now };
  const finance = { roles: ['FINANCE' as const] };
  const admin = { roles: ['ADMIN' as const] };

  const ok = async (query: string, variables: Record<string, unknown> = {}, identity: Parameters<HubHarness['query']>[2] = finance) => {
    const result = await graph.query(query, variables, identity);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  const scrape = async (url: string, headers: Record<string, string> = {}) => {
    const response = await fetch(metricsUrlOf(url), { headers });
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    return parseExposition(await response.text());
  };

  /** Logs and submits a worker's entries; approves them unless told not to, and waits until erp has posted them. */
  async function logged(workerId: string, projectId: string, entries: Array<[date: string, hours: string]>, approve = true) {
    const as = { roles: ['WORKER' as const], workerId };
    const inputs = entries.map(([date, hours]) => ({ projectId, taskId: taskOf(projectId), date, hours }));
    const { logTimeEntries } = await ok(`mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { code message } } }`, { inputs }, as);
    const ids = logTimeEntries.map((result: any) => result.entry.id as string);
    await ok(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids }, as);
    if (!approve) return;
    await ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids }, admin);
    await graph.hub.settle();
    for (const id of ids) await eventually(async () => assert.equal((await entryBilling(graph, id)).status, 'UNBILLED'));
  }

  before(async () => {
    graph = await startTestHub({ clock });
    for (const [name, { database }] of Object.entries(graph.hub.subgraphs)) {
      await subgraphModules[name as keyof typeof subgraphModules].seed(database.db as never, kpiFirm);
    }
    await logged(K.worker.ana, K.project.acme1, [['2026-03-02', '8.00'], ['2026-03-03', '4.00']]);
    await logged(K.worker.ben, K.project.globex, [['2026-03-04', '6.00']]);
    // Waiting for approval: two entries, submitted "now".
    await logged(K.worker.ben, K.project.acme1, [['2026-03-05', '1.00'], ['2026-03-06', '2.00']], false);
  });
  after(() => graph?.close());

  it('counts operations by name and status, errors by code, and times them, on the gateway', async () => {
    const before = (await scrape(graph.url)).samples;
    const errorsBefore = valueOf(before, 'psgraph_graphql_errors_total', { code: 'BAD_USER_INPUT' }) ?? 0;
    for (let i = 0; i < 5; i++) await ok(`query MetricsCustomers { customers(first: 2) { nodes { id } } }`);
    const failed = await graph.query(`query MetricsBadRange { unbilledWork(from: "2026-03-31", to: "2026-03-01", groupBy: []) { currency } }`);
    assert.equal(failed.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(failed.errors));

    const { samples } = await scrape(graph.url);
    assert.equal(valueOf(samples, 'psgraph_graphql_requests_total', { operation: 'MetricsCustomers', status: 'ok' }), 5);
    assert.equal(valueOf(samples, 'psgraph_graphql_requests_total', { operation: 'MetricsCustomers', status: 'error' }), undefined);
    assert.equal(valueOf(samples, 'psgraph_graphql_requests_total', { operation: 'MetricsBadRange', status: 'error' }), 1);
    assert.equal(valueOf(samples, 'psgraph_graphql_errors_total', { code: 'BAD_USER_INPUT' }), errorsBefore + 1);
    assert.equal(valueOf(samples, 'psgraph_graphql_request_duration_seconds_count', { operation: 'MetricsCustomers' }), 5);
    assert.equal(valueOf(samples, 'psgraph_graphql_request_duration_seconds_bucket', { operation: 'MetricsCustomers', le: '+Inf' }), 5);
    // Each customers query is one fetch to crm.
    assert.ok((valueOf(samples, 'psgraph_subgraph_fetches_total', { subgraph: 'crm', status: 'ok' }) ?? 0) >= 5);
    assert.ok((valueOf(samples, 'psgraph_subgraph_fetch_duration_seconds_count', { subgraph: 'crm' }) ?? 0) >= 5);
    assert.equal(valueOf(samples, 'psgraph_live_subscriptions'), 0);
    assert.equal(valueOf(samples, 'psgraph_live_connections'), 0);
    assert.ok(samples.some((sample) => sample.name === 'psgraph_process_process_cpu_user_seconds_total'), 'default process metrics');
  });

  it("shows each subgraph's outbox backlog, consumer lag, handler failures and dead letters", async () => {
    const erp = graph.hub.subgraphs.erp;
    await graph.hub.settle();
    await eventually(async () => {
      const { samples } = await scrape(erp.url);
      for (const subgraph of ['crm', 'hcm', 'psa', 'time', 'erp']) {
        assert.equal(valueOf(samples, 'psgraph_outbox_backlog', { subgraph }), 0, `${subgraph}: everything published`);
      }
      assert.equal(valueOf(samples, 'psgraph_event_consumer_lag', { subgraph: 'erp', group: 'erp.posting' }), 0, 'erp.posting caught up');
      assert.equal(valueOf(samples, 'psgraph_event_handler_failures_total', { subgraph: 'erp', group: 'erp.posting' }), 0);
      assert.equal(valueOf(samples, 'psgraph_dead_letters', { subgraph: 'erp', group: 'erp.posting' }), 0);
    });
  });

  it('counts an event its outbox has not published yet, and none once it is', async () => {
    const crm = graph.hub.subgraphs.crm;
    const db = crm.database.db as unknown as Kysely<OutboxTables>;
    // Another relay "holds" crm's publishing lease: the event stays in the outbox until it is given back.
    await db
      .insertInto('outbox_relay_lease')
      .values({ name: 'outbox', holder: 'metrics-test', expires_at: sql<Date>`now() + interval '1 hour'` })
      .onConflict((oc) => oc.column('name').doUpdateSet({ holder: 'metrics-test', expires_at: sql<Date>`now() + interval '1 hour'` }))
      .execute();
    const event = createEvent('crm', 'crm.metrics_test.noted', { typename: 'Customer', id: K.customer.acme }, {}, { correlationId: 'metrics-test' }, now);
    await db.transaction().execute((trx) => appendToOutbox(trx, [event]));
    assert.equal(valueOf((await scrape(crm.url)).samples, 'psgraph_outbox_backlog', { subgraph: 'crm' }), 1);

    await db.deleteFrom('outbox_relay_lease').where('holder', '=', 'metrics-test').execute();
    crm.runtime.relay.kick();
    await eventually(async () => assert.equal(valueOf((await scrape(crm.url)).samples, 'psgraph_outbox_backlog', { subgraph: 'crm' }), 0));
  });

  it("reports erp's unbilled work as the graph does, and time's approvals pending by age", async () => {
    const { unbilledWork } = await ok(`{ unbilledWork(from: "2026-01-01", to: "2026-12-31", groupBy: []) { currency unbilled { hours amount { amount } } } }`);
    assert.deepEqual(unbilledWork.map((row: any) => [row.currency, row.unbilled.hours, row.unbilled.amount.amount]), [
      ['EUR', '12.00', '1200.00'],
      ['USD', '6.00', '900.00'],
    ]);
    const { samples } = await scrape(graph.url);
    for (const row of unbilledWork) {
      const labels = { subgraph: 'erp', status: 'UNBILLED', currency: row.currency };
      assert.equal(valueOf(samples, 'psgraph_erp_unbilled_amount', labels), Number(row.unbilled.amount.amount));
      assert.equal(valueOf(samples, 'psgraph_erp_unbilled_hours', labels), Number(row.unbilled.hours));
    }
    assert.equal(valueOf(samples, 'psgraph_erp_posting_approvals_received', { subgraph: 'erp' }), 3, 'three approvals');
    assert.equal(valueOf(samples, 'psgraph_erp_cost_postings', { subgraph: 'erp' }), 3);
    assert.equal(valueOf(samples, 'psgraph_erp_uncosted_approvals', { subgraph: 'erp' }), 0);
    assert.equal(valueOf(samples, 'psgraph_erp_posting_success_ratio', { subgraph: 'erp' }), 1);
    assert.equal(valueOf(samples, 'psgraph_time_approvals_pending', { subgraph: 'time', kind: 'time', age: '0-1d' }), 2);
    assert.equal(valueOf(samples, 'psgraph_time_approvals_pending', { subgraph: 'time', kind: 'time', age: '7d+' }), 0);
  });

  it('refuses a scrape without METRICS_TOKEN when one is set', async () => {
    const gateway = gatewayOver(graph, { metrics: { token: 'scrape-secret' } });
    const url = await gateway.listen(0);
    try {
      const refused = await fetch(metricsUrlOf(url));
      assert.equal(refused.status, 401);
      assert.equal((await fetch(metricsUrlOf(url), { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const { samples } = await scrape(url, { authorization: 'Bearer scrape-secret' });
      assert.ok(samples.some((sample) => sample.name === 'psgraph_graphql_requests_total'));
    } finally {
      await gateway.stop();
    }
    const off = gatewayOver(graph, { metrics: { enabled: false } });
    const offUrl = await off.listen(0);
    try {
      assert.equal((await fetch(metricsUrlOf(offUrl))).status, 404);
    } finally {
      await off.stop();
    }
  });

  it('reads METRICS_ENABLED and METRICS_TOKEN, refusing a METRICS_ENABLED that is not true or false', () => {
    assert.deepEqual(loadConfig({}).metrics, { enabled: true, token: undefined });
    assert.deepEqual(loadConfig({ METRICS_ENABLED: 'false', METRICS_TOKEN: 't' }).metrics, { enabled: false, token: 't' });
    assert.throws(() => loadConfig({ METRICS_ENABLED: 'yes' }), (error: Error) => error instanceof ConfigError && /METRICS_ENABLED/.test(error.message));
  });

  it('has a Grafana dashboard whose every query names a metric /metrics serves', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana-dashboard.json', import.meta.url), 'utf8'));
    const expressions: string[] = dashboard.panels.flatMap((panel: any) => (panel.targets ?? []).map((target: any) => target.expr));
    assert.ok(expressions.length >= 15);
    const { declared } = await scrape(graph.url);
    const queried = new Set(expressions.flatMap((expr) => expr.match(/psgraph_\w+/g) ?? []));
    for (const name of queried) {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      assert.ok(declared.has(name) || declared.has(family), `${name} is on /metrics`);
    }
  });

  // Last: it fills this process's set of operation names.
  it('counts operation names past the cap as `other`, keeping the ones it has', async () => {
    for (let i = 0; i < MAX_OPERATION_NAMES + 50; i++) operationLabel(`Generated${i}`);
    assert.equal(operationLabel('NeverSeenBefore'), 'other');
    assert.equal(operationLabel('MetricsCustomers'), 'MetricsCustomers');
    assert.equal(operationLabel(undefined), 'anonymous');
    await ok(`query AnotherNewName { customers(first: 1) { nodes { id } } }`);
    const { samples } = await scrape(graph.url);
    assert.equal(valueOf(samples, 'psgraph_graphql_requests_total', { operation: 'AnotherNewName' }), undefined);
    assert.ok((valueOf(samples, 'psgraph_graphql_requests_total', { operation: 'other', status: 'ok' }) ?? 0) >= 1);
  });
});

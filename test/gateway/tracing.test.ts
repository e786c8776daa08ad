import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { startTracing, tracingRequested, type Tracing } from '../../lib/tracing/index.ts';
import { OperationNamedRequests } from '../../gateway/tracing.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

const today = new Date().toISOString().slice(0, 10);
const firm = planDemoFirm({ scale: 1, today });
const work = billableWork(firm, today);
const finance = { roles: ['FINANCE' as const] };

/** The cost postings erp made for a time entry, as finance reads them through the gateway. */
const costPostingsOf = async (graph: HubHarness, sourceId: string) =>
  dataOf(
    await graph.query(
      `query($p: ID!) { costPostings(first: 500, filter: { projectId: $p, sourceType: TIME_ENTRY }) { nodes { sourceId hours } } }`,
      { p: work.assignment.projectId },
      finance,
    ),
  ).costPostings.nodes.filter((node: { sourceId: string }) => node.sourceId === sourceId);

/** The trace context time's outbox keeps for the approval of `entryId`. */
const approvalRowOf = async (graph: HubHarness, entryId: string) => {
  const { db } = graph.hub.subgraphs.time.database;
  const rows: Array<{ traceparent: string | null }> = await db
    .selectFrom('outbox')
    .select('traceparent')
    .where('type', '=', 'time.entry.approved')
    .where('subject_id', '=', entryId)
    .execute();
  assert.equal(rows.length, 1);
  return rows[0];
};

describe('tracing off (no OTLP endpoint)', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('loads no SDK, writes events without trace context, and erp still posts the approved time', async () => {
    assert.equal(tracingRequested({}), false);
    const tracing = await startTracing({ serviceName: 'psgraph', env: {} });
    assert.equal(tracing.enabled, false);
    const { id } = await approvedEntry(graph, work, '1.25');
    await eventually(async () => assert.equal((await costPostingsOf(graph, id)).length, 1));
    assert.equal((await approvalRowOf(graph, id)).traceparent, null, 'an untraced event carries no trace context');
  });
});

describe('one trace from the client’s request to erp’s cost posting', () => {
  let graph: HubHarness;
  let tracing: Tracing;
  const exporter = new InMemorySpanExporter();
  before(async () => {
    tracing = await startTracing({ serviceName: 'psgraph', exporter, spanProcessors: [new OperationNamedRequests()] });
    assert.equal(tracing.enabled, true);
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(async () => {
    await graph.close();
    await tracing.shutdown();
  });

  const spansOf = (traceId: string) => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  const attribute = (span: ReadableSpan, name: string) => span.attributes[name];
  /** Whether `ancestor` is on `span`'s way up to the root. */
  const descends = (span: ReadableSpan, ancestor: ReadableSpan, spans: readonly ReadableSpan[]) => {
    const byId = new Map(spans.map((each) => [each.spanContext().spanId, each]));
    for (let at: ReadableSpan | undefined = span; at; at = byId.get(at.parentSpanContext?.spanId ?? '')) {
      if (at === ancestor) return true;
    }
    return false;
  };

  it('spans the gateway, the subgraph fetch, SQL, the outbox, the relay, erp’s consumer and its cost posting insert', async () => {
    // Logged and submitted outside the client's trace: only the approval is under test.
    const input = { projectId: work.assignment.projectId, taskId: work.task.id, date: work.today, hours: '2.75' };
    const { id } = dataOf(await graph.query(`mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`, { input }, work.asWorker)).logTimeEntry;
    dataOf(await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [id] }, work.asWorker));

    // The client's own span: its fetch sends the trace on (traceparent), as an instrumented client would.
    const client = trace.getTracer('test-client');
    const traceId = await client.startActiveSpan('client approves time', async (span) => {
      try {
        dataOf(await graph.query(`mutation ApproveTime($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: [id] }, work.asManager));
        return span.spanContext().traceId;
      } finally {
        span.end();
      }
    });
    await eventually(async () => assert.equal((await costPostingsOf(graph, id)).length, 1));

    const insert = await eventually(async () => {
      await tracing.flush();
      const found = spansOf(traceId).find((span) => /^\s*insert into ("\w+"\.)?"cost_posting"/i.test(String(attribute(span, 'db.query.text') ?? '')));
      assert.ok(found, 'the cost posting insert is in the client’s trace');
      return found;
    });
    // One tree: every span's parent is in the trace, down from the client's span. Once the event pipeline is quiet:
    // a span still open (a consumer handling a later event of this trace) is not exported yet, and its children's
    // parent would be missing.
    await graph.hub.settle();
    const spans = await eventually(async () => {
      await tracing.flush();
      const finished = spansOf(traceId);
      const root = finished.find((span) => span.name === 'client approves time')!;
      for (const span of finished) assert.ok(descends(span, root, finished), `${span.name} hangs off the client's span`);
      return finished;
    });
    const root = spans.find((span) => span.name === 'client approves time')!;

    const parentOf = (span: ReadableSpan) => spans.find((each) => each.spanContext().spanId === span.parentSpanContext?.spanId);
    /** The nearest span above `span` that `matches`. */
    const above = (span: ReadableSpan, matches: (each: ReadableSpan) => boolean) => {
      for (let at = parentOf(span); at; at = parentOf(at)) if (matches(at)) return at;
      return undefined;
    };
    // Down from the client: the gateway's HTTP server span, @apollo/gateway's request and query-plan fetch, the call to
    // the time subgraph, time's HTTP server span, and the SQL that approves the entry.
    const approvalUpdate = spans.find((span) => /^\s*update ("\w+"\.)?"time_entry"/i.test(String(attribute(span, 'db.query.text') ?? '')));
    assert.ok(approvalUpdate, 'time’s SQL is in the trace');
    const timeServer = above(approvalUpdate, (span) => span.kind === SpanKind.SERVER);
    assert.ok(timeServer, 'time served the approval in this trace');
    const subgraphCall = parentOf(timeServer);
    assert.ok(subgraphCall && subgraphCall.kind === SpanKind.CLIENT, 'the gateway’s HTTP call to time');
    const planFetch = above(subgraphCall, (span) => span.name === 'gateway.fetch');
    assert.ok(planFetch, 'the query-plan fetch (@apollo/gateway)');
    const gatewayRequest = above(planFetch, (span) => span.name === 'gateway.request');
    assert.ok(gatewayRequest, 'the gateway’s GraphQL request (@apollo/gateway)');
    const gatewayServer = above(gatewayRequest, (span) => span.kind === SpanKind.SERVER);
    assert.ok(gatewayServer && parentOf(gatewayServer) && parentOf(parentOf(gatewayServer)!) === root, 'the gateway’s HTTP server span, under the client’s fetch');
    assert.equal(gatewayServer.name, 'mutation ApproveTime', 'named after the operation it served (gateway/tracing.ts)');

    const append = spans.find((span) => span.name === 'outbox append' && (attribute(span, 'psgraph.event.types') as string[]).includes('time.entry.approved'));
    assert.ok(append && descends(append, timeServer, spans), 'the approval event is appended in time’s request');
    const outboxInsert = spans.find((span) => /^\s*insert into ("\w+"\.)?"outbox"/i.test(String(attribute(span, 'db.query.text') ?? '')) && span.parentSpanContext?.spanId === append.spanContext().spanId);
    assert.ok(outboxInsert, 'the outbox row is written inside the append span');
    const publish = spans.find((span) => span.name === 'publish time.entry.approved' && attribute(span, 'messaging.message.id') !== undefined);
    assert.ok(publish && publish.kind === SpanKind.PRODUCER && descends(publish, append, spans), 'the relay publishes in the event’s trace');
    const consumer = spans.find((span) => span.name === 'process time.entry.approved' && attribute(span, 'messaging.consumer.group.name') === 'erp.posting');
    assert.ok(consumer && consumer.kind === SpanKind.CONSUMER && descends(consumer, append, spans), 'erp’s posting consumer continues the trace');
    assert.equal(attribute(consumer, 'messaging.message.id'), attribute(publish, 'messaging.message.id'));
    assert.ok(descends(insert, consumer, spans), 'the cost posting is inserted by erp’s consumer');
    // erp reads the posting facts through the gateway: that request is in the trace too, under the consumer.
    const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
    assert.ok(servers.some((span) => descends(span, consumer, spans)), 'erp’s read of the graph joins the trace');

    // The event itself carries the trace it was written in, beside its correlation id.
    const row = await approvalRowOf(graph, id);
    assert.match(row.traceparent ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
  });

  it('an event without trace context (written untraced, or before tracing) is handled in a trace of its own', async () => {
    const handled: DomainEvent[] = [];
    const group = `test.tracing.${randomUUID()}`;
    const subscription = await graph.bus.subscribe({ group, types: ['tracingtest.pinged'], handler: async (event) => void handled.push(event) });
    try {
      const old = createEvent('tracingtest', 'tracingtest.pinged', { typename: 'Ping', id: '1' }, {}, { correlationId: randomUUID() }, new Date());
      assert.equal(old.traceparent, undefined);
      await graph.bus.publish(old);
      await eventually(async () => assert.equal(handled.length, 1));
      const span = await eventually(async () => {
        const found = exporter.getFinishedSpans().find((each) => each.name === 'process tracingtest.pinged' && attribute(each, 'messaging.consumer.group.name') === group);
        assert.ok(found, 'the consumer span finished');
        return found;
      });
      assert.equal(span.parentSpanContext, undefined, 'a root span: nothing to continue');
      assert.equal(span.status.code, SpanStatusCode.UNSET);
    } finally {
      await subscription.close();
    }
  });
});

/**
 * Traces across the event pipeline (README "Traces"): an event written inside a traced request carries that trace's
 * W3C context in its envelope (`traceparent`, `tracestate`), beside its correlation id; the relay's publish and every
 * consumer's handling are spans in the same trace, and what a consumer writes (its effects, the events it appends)
 * too, so one trace runs from the client's request to the last effect.
 *
 * A consumer's span is a child of the event's context, not a link to it: the handling is the event's consequence, as
 * `causationId` says, and a child keeps request and effects in one trace, where a tracing UI shows them together.
 * Redelivered or replayed events show up there again, as the retries they are. An event without context (written
 * while tracing was off, or before it existed) starts a trace of its own.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { activeSpan, inSpan, tracer, tracingActive } from '../tracing/spans.ts';
import type { DomainEvent } from './envelope.ts';

/** The W3C trace context an envelope carries. */
export interface EventTraceContext {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

const messagingSystem = 'psgraph';

/**
 * Runs `append` with `events` stamped with the active trace's context, inside an `outbox append` span (the events'
 * parent in the trace). Outside a trace (or with tracing off) the events go as they are. An event that carries a
 * context already keeps it.
 */
export function withTraceContext<T>(events: readonly DomainEvent<unknown>[], append: (stamped: readonly DomainEvent<unknown>[]) => Promise<T>): Promise<T> {
  if (!activeSpan()) return append(events);
  const attributes = {
    'messaging.system': messagingSystem,
    'messaging.operation.type': 'create',
    'messaging.batch.message_count': events.length,
    'psgraph.event.types': [...new Set(events.map((event) => event.type))],
  };
  return inSpan('outbox append', { kind: SpanKind.PRODUCER, attributes }, () => {
    const carrier: Record<string, string> = {};
    // The active context is the `outbox append` span's own.
    propagation.inject(context.active(), carrier);
    const stamp = carrier.traceparent ? { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) } : {};
    return append(events.map((event) => (event.traceparent ? event : { ...event, ...stamp })));
  });
}

/**
 * The relay hands an event to the bus: a span in the event's trace. An event written outside any trace has none to
 * join; a publish span alone would be a trace of one span, so none is made (its consumers' spans start a trace).
 */
export function publishing<T>(event: DomainEvent<unknown>, publish: () => Promise<T>): Promise<T> {
  if (!tracingActive() || !event.traceparent) return publish();
  return inSpan(`publish ${event.type}`, { kind: SpanKind.PRODUCER, parent: contextOf(event), attributes: eventAttributes(event, 'send') }, () => publish());
}

/**
 * A consumer group handles an event: a span in the event's trace (a new trace when it carries none), and whatever the
 * handler does (its SQL, its reads of the graph, the events it appends) inside it.
 */
export function consuming<T>(group: string, event: DomainEvent<unknown>, handle: () => Promise<T>): Promise<T> {
  if (!tracingActive()) return handle();
  const attributes = { ...eventAttributes(event, 'process'), 'messaging.consumer.group.name': group };
  return inSpan(`process ${event.type}`, { kind: SpanKind.CONSUMER, parent: contextOf(event), attributes }, () => handle());
}

/**
 * A consumer group handles several events at once (`SubscribeOptions.batch`). One event: its `process` span, as
 * `consuming`. Several: one `process batch` span, a trace of its own linked to each event's (a span has one parent),
 * as OpenTelemetry's messaging conventions model a batch; whatever the handler does is inside it.
 */
export function consumingBatch<T>(group: string, events: readonly DomainEvent<unknown>[], handle: () => Promise<T>): Promise<T> {
  if (!tracingActive()) return handle();
  if (events.length === 1) return consuming(group, events[0], handle);
  const links = events.flatMap((event) => {
    const linked = event.traceparent ? trace.getSpanContext(contextOf(event)) : undefined;
    return linked ? [{ context: linked }] : [];
  });
  const attributes = {
    'messaging.system': messagingSystem,
    'messaging.operation.type': 'process',
    'messaging.consumer.group.name': group,
    'messaging.batch.message_count': events.length,
    'psgraph.event.types': [...new Set(events.map((event) => event.type))],
  };
  return inSpan('process batch', { kind: SpanKind.CONSUMER, parent: ROOT_CONTEXT, attributes, links }, () => handle());
}

/**
 * The relay hands several events to the bus in one call (`EventBus.publishAll`): a `publish` span per traced event, in
 * its own trace, each open for the whole call (the call is each one's publication).
 */
export async function publishingAll<T>(events: readonly DomainEvent<unknown>[], publish: () => Promise<T>): Promise<T> {
  if (!tracingActive()) return publish();
  const spans = events
    .filter((event) => event.traceparent)
    .map((event) => tracer.startSpan(`publish ${event.type}`, { kind: SpanKind.PRODUCER, attributes: eventAttributes(event, 'send') }, contextOf(event)));
  try {
    return await publish();
  } catch (error) {
    for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

function contextOf(event: DomainEvent<unknown>) {
  if (!event.traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent: event.traceparent, ...(event.tracestate ? { tracestate: event.tracestate } : {}) });
}

function eventAttributes(event: DomainEvent<unknown>, operation: 'send' | 'process') {
  return {
    'messaging.system': messagingSystem,
    'messaging.operation.type': operation,
    'messaging.message.id': event.id,
    'messaging.message.conversation_id': event.correlationId,
    'psgraph.event.type': event.type,
    'psgraph.event.source': event.source,
  };
}

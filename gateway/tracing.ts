/**
 * The gateway's part of tracing (lib/tracing, README "Traces"): its HTTP server spans carry the GraphQL operation they
 * served, so a trace list reads "mutation ApproveTime" rather than a column of "POST". Handed to `startTracing` by the
 * gateway's process entries; the SDK calls it, nothing in gateway/server.ts knows of it.
 */
import { SpanKind, trace, type Context, type Span as ApiSpan } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The span @apollo/gateway starts for each operation, under the HTTP request's span. */
const gatewayRequestSpan = 'gateway.request';

/**
 * Renames the HTTP server span of each GraphQL request after its operation, as the GraphQL semantic conventions name
 * operation spans (`{graphql.operation.type} {graphql.operation.name}`, the type alone for an anonymous one), and
 * copies both attributes onto it: the gateway.request span knows them once it ends, the HTTP span ends after it.
 */
export class OperationNamedRequests implements SpanProcessor {
  /** Each gateway.request span's HTTP server span, until the request span ends. */
  readonly #servers = new WeakMap<object, ApiSpan>();

  onStart(span: Span, parentContext: Context): void {
    if (span.name !== gatewayRequestSpan) return;
    const parent = trace.getSpan(parentContext);
    if (parent && (parent as Partial<ReadableSpan>).kind === SpanKind.SERVER) this.#servers.set(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    const server = this.#servers.get(span);
    if (!server) return;
    this.#servers.delete(span);
    const type = span.attributes['graphql.operation.type'];
    const name = span.attributes['graphql.operation.name'];
    if (typeof type !== 'string') return;
    server.updateName(typeof name === 'string' && name ? `${type} ${name}` : type);
    server.setAttribute('graphql.operation.type', type);
    if (typeof name === 'string' && name) server.setAttribute('graphql.operation.name', name);
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

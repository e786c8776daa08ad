/**
 * The spans psgraph starts itself, where no instrumentation sees the work: PGlite's statements and the event pipeline
 * (lib/events/trace-context.ts). Only the OpenTelemetry API here: without a registered SDK every call is a no-op, and
 * each helper returns at its first line while tracing is off.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';

export const tracer = trace.getTracer('psgraph');

let tracing = false;

/** Set by lib/tracing/sdk.ts while an SDK is installed. */
export function setTracingActive(active: boolean): void {
  tracing = active;
}

export function tracingActive(): boolean {
  return tracing;
}

/** The span of the work under way, if it is traced at all. */
export function activeSpan(): Span | undefined {
  return tracing ? trace.getSpan(context.active()) : undefined;
}

/**
 * Runs `work` in a span of `kind` under `parent` (default: the active context); the span records a failure and ends
 * with the work.
 */
export function inSpan<T>(
  name: string,
  options: { kind: SpanKind; attributes?: Attributes; parent?: Context; links?: Link[] },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(name, { kind: options.kind, attributes: options.attributes, links: options.links }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Work that belongs to no request (a relay pass a commit kicked, a timer's): run outside the caller's trace, so its
 * polling statements are not filed under whichever request happened to start it.
 */
export function outsideAnyTrace<T>(work: () => T): T {
  return tracing ? context.with(ROOT_CONTEXT, work) : work();
}

/**
 * A SQL statement of a database no instrumentation covers (PGlite), named and described as @opentelemetry/
 * instrumentation-pg names PostgreSQL's (`pg.query:SELECT`, db.system.name, db.query.text), so both read alike. Only
 * inside a traced request or event, as the pg instrumentation is configured.
 */
export function traceStatement<T>(client: string, sqlText: string, run: () => Promise<T>): Promise<T> {
  if (!activeSpan()) return run();
  const operation = sqlText.trimStart().split(/\s/, 1)[0].replace(/;$/, '').toUpperCase();
  return inSpan(
    `${client}.query:${operation}`,
    { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': sqlText } },
    () => run(),
  );
}

import { randomUUID } from 'node:crypto';

/** The envelope of DESIGN §3. `data` is the event's own payload, typed per topic by each subgraph's `events.ts`. */
export interface DomainEvent<T = Record<string, unknown>> {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly source: string;
  readonly subject: { readonly typename: string; readonly id: string };
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly data: T;
  /**
   * The source's publication number: the outbox relay numbers each source's events 1, 2, 3, … as it publishes them
   * (a republished event keeps its number), so a consumer can tell a duplicate from a gap. Absent until published.
   */
  readonly sequence?: number;
  /**
   * The W3C trace context of the request or event that wrote it (lib/events/trace-context.ts), present when that was
   * traced: its consumers' spans join the same trace. Events written untraced have none.
   */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** Where an event came from: the request's correlation id, and the event that caused it (if a consumer wrote it). */
export interface EventCause {
  readonly correlationId: string;
  readonly causationId?: string | null;
}

export function createEvent<T>(
  source: string,
  type: string,
  subject: { typename: string; id: string },
  data: T,
  cause: EventCause,
  occurredAt: Date,
): DomainEvent<T> {
  return {
    id: randomUUID(),
    type,
    occurredAt: occurredAt.toISOString(),
    source,
    subject,
    correlationId: cause.correlationId,
    causationId: cause.causationId ?? null,
    data,
  };
}

/** The cause of whatever a consumer writes while handling `event`: same correlation, caused by this event. */
export const causedBy = (event: DomainEvent<unknown>): EventCause => ({
  correlationId: event.correlationId,
  causationId: event.id,
});

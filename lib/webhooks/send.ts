import type { DomainEvent } from '../events/envelope.ts';
import { describeFailure } from '../events/failures.ts';
import type { AttemptResult } from './retry-policy.ts';
import { signatureHeader, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './signature.ts';

/** The JSON a receiver gets: the event's envelope without the bus's bookkeeping (source, causation, sequence). */
export const webhookBody = (event: Pick<DomainEvent, 'id' | 'type' | 'occurredAt' | 'subject' | 'correlationId' | 'data'>): string =>
  JSON.stringify({
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    subject: { typename: event.subject.typename, id: event.subject.id },
    correlationId: event.correlationId,
    data: event.data,
  });

/**
 * One signed POST of `body`, bounded by `timeoutMs` from connecting to the last byte of the answer. Redirects are not
 * followed (a 3xx is a failure): a receiver that moved is updated by its administrator, not by the network.
 */
export async function postWebhook(
  request: { url: string; eventId: string; body: string; secrets: readonly string[]; timeoutMs: number },
  now: Date = new Date(),
): Promise<AttemptResult> {
  const timestamp = Math.floor(now.getTime() / 1000);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'psgraph-webhooks/1',
        [WEBHOOK_ID_HEADER]: request.eventId,
        [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
        [WEBHOOK_SIGNATURE_HEADER]: signatureHeader(request.secrets, timestamp, request.body),
      },
      body: request.body,
    });
    // The answer's body is not read (a receiver's page of HTML says nothing useful): dropped so the socket is freed.
    await response.body?.cancel().catch(() => undefined);
    return { statusCode: response.status, error: response.ok ? null : `HTTP ${response.status} ${response.statusText}`.trim() };
  } catch (error) {
    const timedOut = (error as { name?: string } | null)?.name === 'TimeoutError';
    return { statusCode: null, error: timedOut ? `no answer within ${request.timeoutMs} ms` : describeFailure(error).slice(0, 500) };
  }
}

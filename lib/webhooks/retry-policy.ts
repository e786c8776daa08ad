import type { WebhookSettings } from './settings.ts';

/** What one POST came to: an answer with its status, or none (refused, cut, timed out) with why. */
export interface AttemptResult {
  readonly statusCode: number | null;
  readonly error: string | null;
}

export const isDelivered = (result: AttemptResult) => result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;

/**
 * The wait before attempt `failures + 1`: the base doubled with each failure, capped, with "equal jitter" (half fixed,
 * half random) so that many deliveries failing together do not all come back at the same instant.
 */
export function backoffDelayMs(failures: number, settings: Pick<WebhookSettings, 'backoffBaseMs' | 'backoffMaxMs'>, random = Math.random): number {
  const ceiling = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** What a failed attempt does to its delivery and its endpoint. */
export type FailureVerdict =
  /** Try again at `at`. */
  | { readonly kind: 'retry'; readonly at: Date }
  /** The retry window is over: the delivery is FAILED; the endpoint is disabled too when `disable` says why. */
  | { readonly kind: 'give-up'; readonly disable: string | null }
  /** The endpoint is disabled (`reason`); the delivery waits, PENDING, for it to be enabled again. */
  | { readonly kind: 'disable'; readonly reason: string };

/**
 * The rule for a failed attempt, in this order:
 * 1. 410 Gone: the receiver says the endpoint is gone for good: disable it at once.
 * 2. The endpoint has answered nothing but failures for WEBHOOK_DISABLE_AFTER: disable it. Its deliveries stay
 *    pending (nothing is lost) and go out once an administrator enables it again.
 * 3. This delivery has been retried for WEBHOOK_RETRY_FOR since its first attempt: give it up (FAILED); the
 *    WEBHOOK_DISABLE_AFTER_GIVEN_UP-th delivery given up in a row disables the endpoint.
 * 4. Otherwise retry after the backoff.
 */
export function judgeFailure(
  result: AttemptResult,
  state: { attempts: number; firstAttemptAt: Date; failingSince: Date; givenUpInARow: number },
  settings: WebhookSettings,
  now: Date,
  random = Math.random,
): FailureVerdict {
  const what = result.statusCode !== null ? `HTTP ${result.statusCode}` : (result.error ?? 'no answer');
  if (result.statusCode === 410) return { kind: 'disable', reason: 'the receiver answered 410 Gone' };
  const failingMs = now.getTime() - state.failingSince.getTime();
  if (failingMs >= settings.disableAfterMs) {
    return { kind: 'disable', reason: `every attempt failed since ${state.failingSince.toISOString()} (last: ${what})` };
  }
  if (now.getTime() - state.firstAttemptAt.getTime() >= settings.retryForMs) {
    const givenUp = state.givenUpInARow + 1;
    const disable =
      givenUp >= settings.disableAfterGivenUp ? `${givenUp} deliveries in a row were given up (last: ${what})` : null;
    return { kind: 'give-up', disable };
  }
  return { kind: 'retry', at: new Date(now.getTime() + backoffDelayMs(state.attempts, settings, random)) };
}

import { outboundPolicyFrom, type OutboundPolicy } from '../http/outbound.ts';
/**
 * How hcm delivers webhooks (README "Get told of changes"). Durations are written with a unit: `500ms`, `30s`,
 * `15m`, `24h`, `7d`.
 */
export interface WebhookSettings {
  /** Which receivers may be called at all (OUTBOUND_ALLOW_PRIVATE_NETWORKS, lib/http/outbound.ts). */
  readonly outbound: OutboundPolicy;
  /** How long a delivery is retried after its first attempt before it is given up (WEBHOOK_RETRY_FOR, default 24h). */
  readonly retryForMs: number;
  /** The wait after the first failed attempt; it doubles with each failure (WEBHOOK_BACKOFF_BASE, default 10s). */
  readonly backoffBaseMs: number;
  /** The longest wait between two attempts (WEBHOOK_BACKOFF_MAX, default 2h). */
  readonly backoffMaxMs: number;
  /** How long one attempt may take, connection to last byte (WEBHOOK_TIMEOUT, default 10s). */
  readonly timeoutMs: number;
  /** An endpoint failing without a single success for this long is disabled (WEBHOOK_DISABLE_AFTER, default 24h). */
  readonly disableAfterMs: number;
  /** ... or after this many deliveries in a row were given up (WEBHOOK_DISABLE_AFTER_GIVEN_UP, default 5). */
  readonly disableAfterGivenUp: number;
  /** How often the delivery worker looks for due deliveries besides being woken by new ones (WEBHOOK_POLL_INTERVAL, default 1s). */
  readonly pollIntervalMs: number;
  /** Finished deliveries (delivered or given up) are kept this long in the delivery log (WEBHOOK_LOG_RETENTION, default 30d). */
  readonly logRetentionMs: number;
  /**
   * 32 bytes, base64 or hex (WEBHOOK_SECRET_KEY): signing secrets are stored encrypted with it (AES-256-GCM). Unset:
   * stored as they are (the embedded default); set it in production.
   */
  readonly secretKey: string | undefined;
}

export const defaultWebhookSettings: WebhookSettings = Object.freeze({
  retryForMs: 24 * 3_600_000,
  backoffBaseMs: 10_000,
  backoffMaxMs: 2 * 3_600_000,
  timeoutMs: 10_000,
  disableAfterMs: 24 * 3_600_000,
  disableAfterGivenUp: 5,
  pollIntervalMs: 1_000,
  logRetentionMs: 30 * 24 * 3_600_000,
  secretKey: undefined,
  outbound: { allowPrivateNetworks: true },
});

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `15m`, `24h`, `7d` in milliseconds. */
export function parseDuration(variable: string, raw: string): number {
  const match = /^(\d+)\s*(ms|s|m|h|d)$/.exec(raw.trim());
  if (!match || Number(match[1]) <= 0) throw new Error(`${variable} must be a duration such as 30s, 15m or 24h, got "${raw}"`);
  return Number(match[1]) * units[match[2]];
}

/** The WEBHOOK_* variables, each falling back to its default. */
export function webhookSettingsFrom(env: NodeJS.ProcessEnv): WebhookSettings {
  const duration = (variable: string, fallback: number) => (env[variable] ? parseDuration(variable, env[variable]!) : fallback);
  const givenUp = env.WEBHOOK_DISABLE_AFTER_GIVEN_UP;
  if (givenUp && !(Number.isInteger(Number(givenUp)) && Number(givenUp) > 0)) {
    throw new Error(`WEBHOOK_DISABLE_AFTER_GIVEN_UP must be a positive integer, got "${givenUp}"`);
  }
  const d = defaultWebhookSettings;
  return Object.freeze({
    retryForMs: duration('WEBHOOK_RETRY_FOR', d.retryForMs),
    backoffBaseMs: duration('WEBHOOK_BACKOFF_BASE', d.backoffBaseMs),
    backoffMaxMs: duration('WEBHOOK_BACKOFF_MAX', d.backoffMaxMs),
    timeoutMs: duration('WEBHOOK_TIMEOUT', d.timeoutMs),
    disableAfterMs: duration('WEBHOOK_DISABLE_AFTER', d.disableAfterMs),
    disableAfterGivenUp: givenUp ? Number(givenUp) : d.disableAfterGivenUp,
    pollIntervalMs: duration('WEBHOOK_POLL_INTERVAL', d.pollIntervalMs),
    logRetentionMs: duration('WEBHOOK_LOG_RETENTION', d.logRetentionMs),
    secretKey: env.WEBHOOK_SECRET_KEY || undefined,
    outbound: outboundPolicyFrom(env),
  });
}

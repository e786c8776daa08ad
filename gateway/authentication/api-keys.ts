import { API_KEY_PREFIX, API_KEY_VERIFY_PATH, type ApiKeyVerification } from '../../lib/auth/api-key.ts';
import { signIdentity, type Identity } from '../../lib/auth/identity.ts';
import { DependencyUnavailable, DomainError, errorCodes, type ErrorCode } from '../../lib/errors.ts';
import type { EventBus, Subscription } from '../../lib/events/bus.ts';
import type { Logger } from '../../lib/logger.ts';
import { hcmTopics, type ApiKeyRevoked } from '../../subgraphs/hcm/events.ts';
import type { Authenticated, CredentialVerifier } from './authenticator.ts';

/** The gateway as itself: hcm answers key checks to no one else. */
const gatewayService: Identity = { workerId: null, roles: [], service: 'gateway' };

export interface ApiKeyVerifierOptions {
  /** hcm's GraphQL URL; the check is beside it, at API_KEY_VERIFY_PATH. */
  readonly hcmUrl: string;
  readonly identitySecret: string;
  /** How long hcm may take to answer one check. Default 5 s. */
  readonly timeoutMs?: number;
  readonly logger: Logger;
}

const revokedReason = () => new DomainError('UNAUTHENTICATED', 'the API key was revoked', { reason: 'revoked' });

/** An API key's refusal as hcm gave it (`{ error: { code, message, reason } }`), or a 503 when hcm could not say. */
function refusalOf(status: number, answer: { error?: { code?: string; message?: string; reason?: string } }): DomainError {
  const code = answer.error?.code;
  if (status >= 500 || !code || !(code in errorCodes)) {
    return new DependencyUnavailable(`hcm could not check the API key (status ${status})`);
  }
  const { code: _code, message, ...details } = answer.error!;
  return new DomainError(code as ErrorCode, message ?? 'API key refused', details);
}

/**
 * API keys (`psgk_…`, lib/auth/api-key.ts) at the gateway: each request's key is checked with hcm, which holds them,
 * and nothing positive is cached. A revoked key is therefore refused by every gateway instance from the next request
 * on, with or without Redis, and never for "up to a TTL". The check is one signed loopback call and one primary-key
 * read (a write at most once a minute per key, for `lastUsedAt`); requests of one key that arrive together share it.
 * Measured on a busy two-core machine: ≈ 8 ms a check, one SQL statement (README "API keys").
 * Live connections are checked once, when they open: `watch` ends them when their key is revoked.
 */
export class ApiKeyVerifier implements CredentialVerifier {
  readonly method = 'api-key';
  readonly #options: ApiKeyVerifierOptions;
  readonly #checking = new Map<string, Promise<Authenticated>>();
  /** One signal per key this instance accepted; aborted when the key is revoked. */
  readonly #revocations = new Map<string, AbortController>();
  /** Keys revoked while this instance listened (a handful: revocations are rare). */
  readonly #revoked = new Set<string>();

  constructor(options: ApiKeyVerifierOptions) {
    this.#options = options;
  }

  recognises(credential: string): boolean {
    return credential.startsWith(API_KEY_PREFIX);
  }

  verify(credential: string): Promise<Authenticated> {
    let check = this.#checking.get(credential);
    if (!check) {
      check = this.#check(credential).finally(() => this.#checking.delete(credential));
      this.#checking.set(credential, check);
    }
    return check;
  }

  /** The signal `Authenticated.revoked` of a key: one per key, aborted (and forgotten) when the key is revoked. */
  #revocationOf(keyId: string): AbortSignal {
    // A check that raced the revocation (hcm answered just before it committed) opens nothing that stays open.
    if (this.#revoked.has(keyId)) return AbortSignal.abort(revokedReason());
    let controller = this.#revocations.get(keyId);
    if (!controller) {
      controller = new AbortController();
      this.#revocations.set(keyId, controller);
    }
    return controller.signal;
  }

  /**
   * Hears `hcm.api_key.revoked` on the bus, in a consumer group of this instance's own (every instance has live
   * connections of its own to close), from now on: a connection opened after the revocation was refused by the check.
   */
  watch(bus: EventBus, group: string): Promise<Subscription> {
    const { logger } = this.#options;
    return bus.subscribe({
      group,
      types: [hcmTopics.apiKeyRevoked],
      startAt: 'end',
      handler: async (event) => {
        const { apiKeyId } = event.data as unknown as ApiKeyRevoked;
        this.#revoked.add(apiKeyId);
        const controller = this.#revocations.get(apiKeyId);
        if (!controller) return;
        this.#revocations.delete(apiKeyId);
        logger.info('API key revoked: closing its live connections', { apiKeyId });
        controller.abort(revokedReason());
      },
    });
  }

  async #check(credential: string): Promise<Authenticated> {
    const url = new URL(API_KEY_VERIFY_PATH, this.#options.hcmUrl);
    const body = JSON.stringify({ credential });
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signIdentity(gatewayService, this.#options.identitySecret, { method: 'POST', url, body }),
        },
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5_000),
      });
    } catch (error) {
      throw new DependencyUnavailable('hcm cannot be reached to check the API key', { cause: error });
    }
    const answer = (await response.json().catch(() => ({}))) as ApiKeyVerification & { error?: Record<string, string> };
    if (!response.ok) throw refusalOf(response.status, answer);
    return {
      identity: { workerId: answer.workerId, roles: answer.roles, principal: `api-key:${answer.keyId}` },
      expiresAt: answer.expiresAt === null ? null : Date.parse(answer.expiresAt),
      method: this.method,
      revoked: this.#revocationOf(answer.keyId),
    };
  }
}

import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { roles as psgraphRoles, type Identity, type Role } from '../../lib/auth/identity.ts';
import { verifyJwt, type TokenPolicy } from '../../lib/auth/jwt.ts';
import type { OidcConfig, RoleMap } from '../../lib/config.ts';
import { DependencyUnavailable, DomainError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CredentialVerifier } from './authenticator.ts';
import { jwtAlgorithmOf } from './credential.ts';
import type { WorkerDirectory } from './worker-directory.ts';

/** What the firm's identity provider may sign access tokens with: RSA, P-256 and Ed25519 signatures. */
const algorithms = ['RS256', 'ES256', 'EdDSA'] as const;

export interface OidcVerifierOptions {
  readonly workers: WorkerDirectory;
  readonly policy?: TokenPolicy;
  readonly logger: Logger;
  /**
   * After the issuer's keys were fetched, how long a token with an unknown `kid` is refused without fetching them
   * again. Default 30 s: a rotated key is fetched on its first token, and a flood of made-up `kid`s fetches nothing.
   */
  readonly jwksCooldownMs?: number;
  /** Keys are fetched again after this long even when every `kid` is known (a key the issuer withdrew). Default 10 min. */
  readonly jwksMaxAgeMs?: number;
}

/**
 * The firm's identity provider (OpenID Connect / OAuth 2 resource server): access tokens of OIDC_ISSUER for
 * OIDC_AUDIENCE, signed with a key of the issuer's JWKS (found through its discovery document), with `iss`, `aud`,
 * `exp`, `nbf` and the lifetime checked like every token (lib/auth/jwt.ts). Who the token names:
 *
 * 1. a person: the token carries OIDC_WORKER_CLAIM. Roles are the values of OIDC_ROLE_CLAIM through OIDC_ROLE_MAP;
 *    none mapped is FORBIDDEN. The claim's value must name exactly one worker in hcm (OIDC_WORKER_MATCH), who is
 *    ACTIVE; otherwise FORBIDDEN, naming the claim.
 * 2. a program (client credentials): no worker claim. Its client id (`client_id`, else `azp`, else `appid`) must be in
 *    OIDC_CLIENT_ROLE_MAP, which gives its roles; it names no worker. Otherwise FORBIDDEN.
 *
 * FORBIDDEN rather than UNAUTHENTICATED because a fresh token would fail alike: a client should not loop renewing it.
 */
export function oidcVerifier(config: OidcConfig, options: OidcVerifierOptions): CredentialVerifier {
  const keys = issuerKeys(config.issuer, options);
  const expectations = { algorithms, issuer: config.issuer, audience: config.audience };
  return {
    method: 'oidc',
    // Any public-key signature: one the gateway does not accept is then refused naming its `alg`.
    recognises(credential) {
      const alg = jwtAlgorithmOf(credential);
      return alg !== null && alg !== 'none' && !alg.startsWith('HS');
    },
    async verify(credential) {
      const payload = await verifyJwt(credential, keys, expectations, options.policy);
      const identity = await identityOf(payload, config, options.workers);
      return { identity, expiresAt: payload.exp! * 1000, method: 'oidc' };
    },
  };
}

const forbidden = (claim: string, reason: string) =>
  new DomainError('FORBIDDEN', `token not accepted: ${reason}`, { claim });

/** A claim by name, or by a dotted path into objects (`realm_access.roles`) when no claim has the whole name. */
function claimAt(payload: JWTPayload, name: string): unknown {
  if (name in payload) return payload[name];
  const step = (value: unknown, key: string) =>
    value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return name.split('.').reduce<unknown>(step, payload);
}

const stringsOf = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((item): item is string => typeof item === 'string')
      : [];

/** Each claim value's roles: through the map, or (no map) values spelled as a role are that role. */
function rolesOf(values: readonly string[], map: RoleMap | null): Role[] {
  const granted = values.flatMap((value) =>
    map ? (map.get(value) ?? []) : psgraphRoles.filter((role) => role === value),
  );
  return [...new Set(granted)];
}

async function identityOf(payload: JWTPayload, config: OidcConfig, workers: WorkerDirectory): Promise<Identity> {
  const workerValue = claimAt(payload, config.workerClaim);
  if (typeof workerValue !== 'string' || workerValue === '') {
    const clientClaims = [payload.client_id, payload.azp, payload.appid];
    const client = clientClaims.find((value): value is string => typeof value === 'string');
    const roles = client === undefined ? undefined : config.clientRoleMap.get(client);
    if (!roles?.length) {
      throw forbidden(
        config.workerClaim,
        `it has no "${config.workerClaim}" claim naming a worker, and its client ` +
          `${client === undefined ? '(none named)' : `"${client}"`} is not in OIDC_CLIENT_ROLE_MAP`,
      );
    }
    return { workerId: null, roles, principal: `client:${client}` };
  }
  const values = stringsOf(claimAt(payload, config.roleClaim));
  const roles = rolesOf(values, config.roleMap);
  if (roles.length === 0) {
    throw forbidden(
      config.roleClaim,
      `its "${config.roleClaim}" claim ` +
        `${values.length ? `(${values.slice(0, 5).join(', ')})` : 'is empty or missing, and'} ` +
        `grants none of psgraph's roles${config.roleMap ? ' in OIDC_ROLE_MAP' : ''}`,
    );
  }
  const found = await workers.find(config.workerMatch, workerValue);
  const named = `the worker its "${config.workerClaim}" claim names (${config.workerMatch} "${workerValue}")`;
  if (found.length === 0) {
    const reason = `no worker in hcm has the ${config.workerMatch} "${workerValue}" its "${config.workerClaim}" claim names`;
    throw forbidden(config.workerClaim, reason);
  }
  if (found.length > 1) throw forbidden(config.workerClaim, `${named} is ambiguous: several workers have it`);
  if (found[0].status !== 'ACTIVE') throw forbidden(config.workerClaim, `${named} is not ACTIVE`);
  return { workerId: found[0].id, roles };
}

/**
 * The issuer's signing keys: its discovery document (`<issuer>/.well-known/openid-configuration`) is read on the first
 * token, then its `jwks_uri` through jose's remote key set, which caches the keys and fetches them again for an unknown
 * `kid` at most once per cooldown. An issuer that cannot be reached is SERVICE_UNAVAILABLE (its tokens are not
 * wrong), asked again after the same cooldown rather than on every request.
 */
function issuerKeys(issuer: string, options: OidcVerifierOptions): JWTVerifyGetKey {
  const cooldownMs = options.jwksCooldownMs ?? 30_000;
  let keySet: Promise<JWTVerifyGetKey> | null = null;
  let failure: { at: number; error: DomainError } | null = null;
  const unavailable = (what: string, cause: unknown) => {
    options.logger.warn('identity provider unavailable', { issuer, what, error: cause });
    return new DependencyUnavailable(`the identity provider's ${what} could not be read: try again later`, { cause });
  };

  async function discover(): Promise<JWTVerifyGetKey> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document must be the configured issuer's own.
    if (document.issuer !== issuer) {
      throw new Error(`${url} is the document of issuer "${document.issuer}", not "${issuer}"`);
    }
    if (typeof document.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`);
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cooldownDuration: cooldownMs,
      cacheMaxAge: options.jwksMaxAgeMs ?? 10 * 60_000,
      timeoutDuration: 5_000,
    });
  }

  return async (header, token) => {
    if (failure && Date.now() - failure.at < cooldownMs) throw failure.error;
    keySet ??= discover().catch((error) => {
      keySet = null;
      failure = { at: Date.now(), error: unavailable('discovery document', error) };
      throw failure.error;
    });
    const keyOf = await keySet;
    try {
      return await keyOf(header, token);
    } catch (error) {
      // The token's fault: signed with a key the issuer does not publish (or no `kid` among several keys).
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw unavailable('keys (JWKS)', error);
    }
  };
}

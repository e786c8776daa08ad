import type { TokenPolicy } from '../../lib/auth/jwt.ts';
import type { OidcConfig } from '../../lib/config.ts';
import { DomainError } from '../../lib/errors.ts';
import { createGraphClient } from '../../lib/graph-client.ts';
import type { Logger } from '../../lib/logger.ts';
import { ApiKeyVerifier } from './api-keys.ts';
import type { Authenticator, CredentialVerifier } from './authenticator.ts';
import { hs256Verifier } from './hs256.ts';
import { oidcVerifier } from './oidc.ts';
import { workerDirectory } from './worker-directory.ts';

export type { Authenticated, Authenticator, CredentialVerifier } from './authenticator.ts';
export { bearerCredential, closeCodeOf, closeReasonOf } from './credential.ts';

/**
 * One authenticator over the verifiers: each credential goes to the one verifier that recognises its shape, whose
 * answer (an identity, or a refusal with its reason) is the answer. A credential none recognises is UNAUTHENTICATED.
 */
export function createAuthenticator(verifiers: readonly CredentialVerifier[]): Authenticator {
  if (verifiers.length === 0) {
    throw new Error('no way for clients to authenticate: set OIDC_ISSUER or JWT_SECRET (README "Connect your identity provider")');
  }
  const accepted = verifiers.map((verifier) => verifier.method).join(', ');
  return {
    async authenticate(credential) {
      const verifier = verifiers.find((candidate) => candidate.recognises(credential));
      if (!verifier) throw new DomainError('UNAUTHENTICATED', `unrecognised credential: this gateway accepts ${accepted}`);
      return verifier.verify(credential);
    },
    async watch(bus, group) {
      const watching = verifiers.map((verifier) => verifier.watch?.(bus, `${group}.${verifier.method}`));
      const subscriptions = await Promise.all(watching);
      return { close: async () => void (await Promise.all(subscriptions.map((subscription) => subscription?.close()))) };
    },
  };
}

/** The settings the verifiers read: the process's Config, or a test's. */
export interface VerifierSettings {
  /** HS256 secret of the gateway's own tokens; unset: none are accepted (production without JWT_SECRET). */
  readonly jwtSecret?: string;
  readonly tokens?: TokenPolicy;
  readonly oidc?: OidcConfig | null;
}

/** What the verifiers ask: hcm (workers for OIDC), as the gateway, signed with the identity secret. */
export interface VerifierDependencies {
  /** hcm's GraphQL URL. */
  readonly hcmUrl: string;
  readonly identitySecret: string;
  readonly logger: Logger;
}

/**
 * Every way a client may prove who it is on this gateway, built in this one place for every transport: the gateway's
 * own HS256 tokens (when it has a secret), the identity provider's access tokens (OIDC_ISSUER), and API keys (hcm).
 */
export function verifiersFor(settings: VerifierSettings, deps: VerifierDependencies): CredentialVerifier[] {
  const verifiers: CredentialVerifier[] = [];
  if (settings.jwtSecret) verifiers.push(hs256Verifier(settings.jwtSecret, settings.tokens));
  if (settings.oidc) {
    const { hcmUrl, identitySecret } = deps;
    const workers = workerDirectory(createGraphClient({ service: 'gateway', url: () => hcmUrl, identitySecret, timeoutMs: 5_000 }));
    verifiers.push(
      oidcVerifier(settings.oidc, {
        workers,
        policy: settings.tokens,
        logger: deps.logger,
        jwksCooldownMs: settings.oidc.jwksCooldownSeconds * 1000,
      }),
    );
  }
  // Last: it recognises its own prefix only, and is asked of hcm on every request.
  verifiers.push(new ApiKeyVerifier({ hcmUrl: deps.hcmUrl, identitySecret: deps.identitySecret, logger: deps.logger }));
  return verifiers;
}

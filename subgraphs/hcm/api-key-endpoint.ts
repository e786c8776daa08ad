import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_KEY_VERIFY_PATH } from '../../lib/auth/api-key.ts';
import type { SignedIdentityPolicy } from '../../lib/auth/identity.ts';
import { badInput, DomainError, errorCodes } from '../../lib/errors.ts';
import { PayloadTooLargeError, sendJson, sendPayloadTooLarge } from '../../lib/http/apollo-handler.ts';
import { readSignedRequest } from '../../lib/http/signed-request.ts';
import type { ApiKeyService } from './api-keys.ts';

/** Far more than `{ "credential": "psgk_…" }` needs; anything larger is not a key check. */
const maxBodyBytes = 4096;

/**
 * `POST /auth/api-keys/verify` `{ credential }`: the gateway's check of an API key (gateway/authentication/api-keys.ts),
 * outside the graph because no client may ask it. Only the gateway's own signed service identity is answered; the
 * answer is the key's `ApiKeyVerification`, or `{ error: { code, message, reason } }` with the code's HTTP status.
 */
export function createApiKeyEndpoint(options: {
  readonly apiKeys: ApiKeyService;
  readonly identitySecret: string;
  readonly identityPolicy?: SignedIdentityPolicy;
}) {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method !== 'POST') throw badInput('method', 'use POST');
      const { identitySecret, identityPolicy: policy } = options;
      const signed = await readSignedRequest(req, { identitySecret, policy, maxBodyBytes });
      if (signed.identity.service !== 'gateway') throw new DomainError('FORBIDDEN', 'only the gateway checks API keys');
      let credential: unknown;
      try {
        ({ credential } = JSON.parse(signed.body.toString('utf8')) as { credential?: unknown });
      } catch {
        throw badInput('body', 'not JSON');
      }
      if (typeof credential !== 'string') throw badInput('credential', 'required');
      sendJson(res, 200, await options.apiKeys.verify(credential));
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return sendPayloadTooLarge(res, error.limit);
      if (!(error instanceof DomainError)) throw error;
      sendJson(res, errorCodes[error.code], { error: { ...error.details, code: error.code, message: error.message } });
    }
  };
  return { [API_KEY_VERIFY_PATH]: handle };
}

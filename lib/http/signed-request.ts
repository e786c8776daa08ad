import type { IncomingMessage } from 'node:http';
import {
  IDENTITY_HEADER,
  SIGNATURE_HEADER,
  verifyIdentity,
  type Identity,
  type SignedIdentityPolicy,
} from '../auth/identity.ts';
import { DomainError } from '../errors.ts';
import { headerMapOf, readRawBody } from './apollo-handler.ts';

/**
 * A request signed with the gateway's identity secret (the gateway calling a subgraph, a subgraph calling the graph):
 * its body read whole and the signature checked against its method, path and those very bytes. Returns the identity
 * and the body for the handler to parse; throws UNAUTHENTICATED (a request without the headers before a byte of its
 * body is read) or PayloadTooLargeError.
 */
export async function readSignedRequest(
  req: IncomingMessage,
  options: { readonly identitySecret: string; readonly policy?: SignedIdentityPolicy; readonly maxBodyBytes?: number },
): Promise<{ identity: Identity; body: Buffer }> {
  if (!req.headers[IDENTITY_HEADER] || !req.headers[SIGNATURE_HEADER]) {
    throw new DomainError('UNAUTHENTICATED', 'missing gateway identity signature');
  }
  const body = await readRawBody(req, options.maxBodyBytes);
  const request = { method: req.method ?? 'GET', url: req.url ?? '/', body };
  return { identity: verifyIdentity(headerMapOf(req), options.identitySecret, request, options.policy), body };
}

import type { Role } from '../lib/auth/identity.ts';
import { signBearerToken } from '../lib/auth/jwt.ts';

/** Benchmarks ask the gateway as a client would: one request as `identity`, its data, or a throw on any error. */
export function graphCaller(url: string, jwtSecret: string) {
  return async function call(identity: { workerId: string | null; roles: Role[] }, query: string, variables: Record<string, unknown>) {
    const token = await signBearerToken(identity, jwtSecret);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors[0]));
    return body.data;
  };
}

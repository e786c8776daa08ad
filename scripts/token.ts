/**
 * Prints a bearer token for the embedded default: `npm run token -- --role FINANCE [--worker <id>] [--expires 12h]`.
 * Without --worker it signs as the demo worker who holds the role (--role MANAGER: the manager of --role WORKER's
 * worker, so the README's approval walk-through works). Uses JWT_SECRET, else ./data/secrets.json. The
 * lifetime defaults to 12 h, or TOKEN_MAX_LIFETIME_SECONDS when that is shorter; a longer --expires is refused here
 * rather than by the gateway later.
 */
import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { roles, type Role } from '../lib/auth/identity.ts';
import { defaultTokenLifetimeSeconds, signBearerToken } from '../lib/auth/jwt.ts';
import { loadConfig } from '../lib/config.ts';
import { demoWorkerFor } from '../lib/seed/demo-users.ts';
import { embeddedSecrets } from '../gateway/embedded-secrets.ts';

const { values } = parseArgs({
  options: { role: { type: 'string', multiple: true }, worker: { type: 'string' }, expires: { type: 'string' } },
});
const wanted = (values.role?.length ? values.role : ['WORKER']).map((role) => role.toUpperCase());
const unknown = wanted.filter((role) => !(roles as readonly string[]).includes(role));
if (unknown.length) {
  console.error(`unknown role ${unknown.join(', ')}; roles are ${roles.join(', ')}`);
  process.exit(1);
}
const worker = values.worker ? null : demoWorkerFor(wanted[0] as Role);
const workerId = values.worker ?? worker?.id ?? null;
const config = loadConfig();
const { maxLifetimeSeconds } = config.tokens;
const expires = values.expires ?? `${Math.min(defaultTokenLifetimeSeconds, maxLifetimeSeconds)}s`;
const token = await signBearerToken({ workerId, roles: wanted as Role[] }, embeddedSecrets(config).jwtSecret, expires);
const { exp = 0, iat = 0 } = decodeJwt(token);
if (exp - iat > maxLifetimeSeconds) {
  console.error(`--expires ${expires} is longer than the gateway accepts (TOKEN_MAX_LIFETIME_SECONDS=${maxLifetimeSeconds})`);
  process.exit(1);
}
if (worker) console.error(`signed as ${worker.name} (${worker.id}), roles ${wanted.join(', ')}`);
console.log(token);

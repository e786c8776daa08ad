/**
 * Prints a bearer token for the embedded default: `npm run token -- --role FINANCE [--worker <id>] [--expires 12h]`.
 * Without --worker it signs as the demo worker who holds the role. Uses JWT_SECRET, else ./data/secrets.json.
 */
import { parseArgs } from 'node:util';
import { roles, type Role } from '../lib/auth/identity.ts';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { loadConfig } from '../lib/config.ts';
import { demoWorkerFor } from '../lib/seed/demo-users.ts';
import { embeddedSecrets } from '../gateway/embedded-secrets.ts';

const { values } = parseArgs({
  options: { role: { type: 'string', multiple: true }, worker: { type: 'string' }, expires: { type: 'string', default: '12h' } },
});
const wanted = (values.role?.length ? values.role : ['WORKER']).map((role) => role.toUpperCase());
const unknown = wanted.filter((role) => !(roles as readonly string[]).includes(role));
if (unknown.length) {
  console.error(`unknown role ${unknown.join(', ')}; roles are ${roles.join(', ')}`);
  process.exit(1);
}
const worker = values.worker ? null : demoWorkerFor(wanted[0] as Role);
const workerId = values.worker ?? worker?.id ?? null;
const token = await signBearerToken({ workerId, roles: wanted as Role[] }, embeddedSecrets(loadConfig()).jwtSecret, values.expires);
if (worker) console.error(`signed as ${worker.name} (${worker.id}), roles ${wanted.join(', ')}`);
console.log(token);

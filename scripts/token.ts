/**
 * Prints a bearer token for the embedded default: `npm run token -- --role FINANCE [--worker <id>] [--expires 12h]`.
 * Without --worker it signs as the demo worker who holds the role (--role MANAGER: the manager of --role WORKER's
 * worker, so the README's approval walk-through works). Uses JWT_SECRET, else ./data/secrets.json. The
 * lifetime defaults to 12 h, or TOKEN_MAX_LIFETIME_SECONDS when that is shorter; a longer --expires is refused here
 * rather than by the gateway later.
 */
import { decodeJwt } from 'jose';
import { roles, type Role } from '../lib/auth/identity.ts';
import { defaultTokenLifetimeSeconds, signBearerToken } from '../lib/auth/jwt.ts';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { demoWorkerFor } from '../lib/seed/demo-users.ts';
import { parseCommandLine, runMain } from '../lib/startup.ts';
import { embeddedSecrets } from '../gateway/embedded-secrets.ts';

const usage = 'usage: npm run token -- [--role WORKER|MANAGER|RESOURCE_MANAGER|FINANCE|ADMIN]… [--worker ID] [--expires 12h]';

await runMain('token', async () => {
  const { values } = parseCommandLine(
    { options: { role: { type: 'string', multiple: true }, worker: { type: 'string' }, expires: { type: 'string' } } },
    usage,
  );
  const wanted = (values.role?.length ? values.role : ['WORKER']).map((role) => role.toUpperCase());
  const unknown = wanted.filter((role) => !(roles as readonly string[]).includes(role));
  if (unknown.length) throw new ConfigError('--role', `"${unknown.join(', ')}" is not a role`, `roles are ${roles.join(', ')}`);
  const worker = values.worker ? null : demoWorkerFor(wanted[0] as Role);
  const workerId = values.worker ?? worker?.id ?? null;
  const config = loadConfig();
  const { maxLifetimeSeconds } = config.tokens;
  const expires = values.expires ?? `${Math.min(defaultTokenLifetimeSeconds, maxLifetimeSeconds)}s`;
  const secret = embeddedSecrets(config).jwtSecret;
  const token = await signBearerToken({ workerId, roles: wanted as Role[] }, secret, expires).catch((error: unknown) => {
    // jose refuses a lifetime it cannot read ("soon") with a TypeError; anything else is not the operator's to fix.
    if (values.expires && error instanceof TypeError) throw new ConfigError('--expires', `"${expires}" is not a lifetime`, 'e.g. 30m, 12h, 2d');
    throw error;
  });
  const { exp = 0, iat = 0 } = decodeJwt(token);
  if (exp - iat > maxLifetimeSeconds) {
    const problem = `${expires} is longer than the gateway accepts (TOKEN_MAX_LIFETIME_SECONDS=${maxLifetimeSeconds})`;
    throw new ConfigError('--expires', problem, 'ask for less, or raise TOKEN_MAX_LIFETIME_SECONDS');
  }
  if (worker) console.error(`signed as ${worker.name} (${worker.id}), roles ${wanted.join(', ')}`);
  console.log(token);
});

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../lib/config.ts';

export interface Secrets {
  jwtSecret: string;
  identitySecret: string;
}

/**
 * The embedded default needs no configuration: without JWT_SECRET / IDENTITY_SIGNING_SECRET it makes random
 * secrets on first start and keeps them in `<dataDir>/secrets.json` (mode 0600), so tokens printed by
 * `npm run token` stay valid across restarts. Production sets both variables.
 */
export function embeddedSecrets(config: Config): Secrets {
  const file = join(config.dataDir, 'secrets.json');
  let stored: Partial<Secrets> = {};
  // A file that cannot be read, or was edited into something else, is the operator's to fix: one line, no stack.
  const unusable = (what: string, error: unknown) => {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const fix = 'point it at a directory this user may write, or remove a damaged secrets.json';
    return new ConfigError('PSGRAPH_DATA_DIR', `cannot ${what} ${file} (${reason})`, fix);
  };
  try {
    if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
  } catch (error) {
    throw unusable('read', error);
  }
  const secrets: Secrets = {
    jwtSecret: config.jwtSecret ?? stored.jwtSecret ?? randomBytes(32).toString('base64url'),
    identitySecret: config.identitySigningSecret ?? stored.identitySecret ?? randomBytes(32).toString('base64url'),
  };
  if (!existsSync(file)) {
    try {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    } catch (error) {
      throw unusable('write', error);
    }
  }
  return secrets;
}

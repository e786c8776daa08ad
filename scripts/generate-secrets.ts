/**
 * Random values for the secrets a deployment must set, as KEY=VALUE lines (README "Deploy"), by the image (`psgraph`
 * is its entrypoint) or in a checkout with `node --import tsx scripts/generate-secrets.ts`:
 *   psgraph generate-secrets                  → stdout, e.g. for `kubectl create secret generic --from-env-file`
 *   psgraph generate-secrets --out FILE       → FILE (mode 0600), unless it exists: then it is kept as it is
 * The second form is how deploy/compose.yaml makes its secrets once, on first `up`, into a volume.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Each secret with its length in random bytes; WEBHOOK_SECRET_KEY must be exactly 32 (an AES-256 key). */
const generatedSecrets = {
  JWT_SECRET: 32,
  IDENTITY_SIGNING_SECRET: 32,
  WEBHOOK_SECRET_KEY: 32,
} as const;

function secretsEnvFile(): string {
  return Object.entries(generatedSecrets)
    .map(([name, bytes]) => `${name}=${randomBytes(bytes).toString('hex')}\n`)
    .join('');
}

const { values } = parseArgs({ options: { out: { type: 'string' } } });
if (!values.out) {
  process.stdout.write(secretsEnvFile());
} else {
  try {
    // `wx`: never overwrite; secrets that changed under running processes and stored data would lock everyone out.
    writeFileSync(values.out, secretsEnvFile(), { mode: 0o600, flag: 'wx' });
    console.error(`generate-secrets: wrote ${Object.keys(generatedSecrets).join(', ')} to ${values.out}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      console.error(`generate-secrets: ${values.out} exists; kept it`);
    } else {
      console.error(`generate-secrets: cannot write ${values.out} (${code ?? (error as Error).message}) — pass a writable path to --out`);
      process.exitCode = 1;
    }
  }
}

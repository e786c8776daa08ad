import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import { loadConfig } from '../../lib/config.ts';
import { parseEnvFile, root, sourceOf } from './deploy-files.ts';

/**
 * The image's entrypoint (deploy/entrypoint.sh) as a container runs it: the role dispatch, its one-line refusal, the
 * generated secrets file it loads for compose, and `generate-secrets` that writes that file.
 */

const entrypoint = new URL('deploy/entrypoint.sh', root).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'psgraph-entrypoint-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the entrypoint with only `env` (and PATH) set, from an unrelated directory, as `docker run` would. */
function psgraph(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('sh', [entrypoint, ...args], { cwd: scratch, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('deploy/entrypoint.sh', () => {
  it('refuses an unknown role with one line that names it and the roles there are', () => {
    const roles = psgraph(['--roles']).stdout.trim().split('\n');
    const refused = psgraph(['gatway', '--port', '1']);
    assert.equal(refused.code, 64);
    assert.equal(refused.stdout, '');
    assert.equal(refused.stderr, `psgraph: unknown role "gatway" — run one of: ${roles.join(', ')}\n`);
    const none = psgraph([]);
    assert.equal(none.code, 64);
    assert.equal(none.stderr, `psgraph: no role given — run one of: ${roles.join(', ')}\n`);
  });

  it('maps each role to an entry point that exists, passing the arguments on', () => {
    const roles = psgraph(['--roles']).stdout.trim().split('\n');
    for (const role of ['gateway', 'crm', 'hcm', 'psa', 'time', 'erp', 'embedded', 'seed', 'bootstrap-admin', 'token']) {
      assert.ok(roles.includes(role), `role ${role}`);
    }
    for (const role of roles) {
      const { code, stdout } = psgraph(['--dry-run', role, '--flag', 'value']);
      assert.equal(code, 0);
      assert.match(stdout, /^node .* --flag value\n$/);
      assert.ok(sourceOf(stdout), `role ${role} runs ${stdout.trim()}, whose source does not exist`);
    }
    assert.equal(sourceOf(psgraph(['--dry-run', 'crm']).stdout), 'subgraphs/crm/main.ts');
    assert.equal(sourceOf(psgraph(['--dry-run', 'gateway']).stdout), 'gateway/main.ts');
  });

  it('loads PSGRAPH_ENV_FILE for variables the environment does not set', async () => {
    const envFile = join(scratch, 'secrets.env');
    writeFileSync(envFile, '# generated\nJWT_SECRET=from-the-file\n\nLOG_LEVEL=silent\n');
    const token = (env: Record<string, string>) => {
      const run = psgraph(['token', '--role', 'ADMIN'], { PSGRAPH_ENV_FILE: envFile, PSGRAPH_DATA_DIR: join(scratch, 'data'), ...env });
      assert.equal(run.code, 0, run.stderr);
      return run.stdout.trim();
    };
    const signedWith = async (jwt: string, secret: string) =>
      jwtVerify(jwt, new TextEncoder().encode(secret)).then(
        () => true,
        () => false,
      );
    assert.ok(await signedWith(token({}), 'from-the-file'));
    const fromEnvironment = token({ JWT_SECRET: 'from-the-environment' });
    assert.ok(await signedWith(fromEnvironment, 'from-the-environment'), 'the container environment wins over the file');
    assert.equal(await signedWith(fromEnvironment, 'from-the-file'), false);

    const missing = psgraph(['token'], { PSGRAPH_ENV_FILE: join(scratch, 'nowhere.env') });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^psgraph: PSGRAPH_ENV_FILE: cannot read "[^"]+nowhere\.env" — [^\n]+\n$/);
  });
});

describe('generate-secrets', () => {
  it('writes random secrets psgraph accepts to a file only its owner reads, once', () => {
    const out = join(scratch, 'generated.env');
    const first = psgraph(['generate-secrets', '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const secrets = parseEnvFile(readFileSync(out, 'utf8'));
    assert.deepEqual(Object.keys(secrets).sort(), ['IDENTITY_SIGNING_SECRET', 'JWT_SECRET', 'WEBHOOK_SECRET_KEY']);
    for (const value of Object.values(secrets)) assert.match(value, /^[0-9a-f]{64}$/);
    assert.equal(loadConfig(secrets).webhooks.secretKey, secrets.WEBHOOK_SECRET_KEY);

    const again = psgraph(['generate-secrets', '--out', out]);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /exists; kept it/);
    assert.deepEqual(parseEnvFile(readFileSync(out, 'utf8')), secrets, 'secrets in use are never replaced');

    const printed = parseEnvFile(psgraph(['generate-secrets']).stdout);
    assert.notEqual(printed.JWT_SECRET, secrets.JWT_SECRET);
  });
});

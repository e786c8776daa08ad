import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertOneLineError, runEntry, sparePort } from '../support/processes.ts';

/**
 * The commands an operator runs by hand (`npm run token`, `bootstrap-admin`, `import`, `seed`) meet a bad argument, a
 * bad setting or a database or gateway that is not there as the servers do: one line
 * `psgraph <command>: <OPTION or VARIABLE>: <problem> — <fix>` on stderr, exit code 1, no stack trace. Nothing here
 * reaches a real database or gateway: unreachable ones are spare ports.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'psgraph-commands-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs a script with only `env` (and PATH, the run's data directory) set. */
const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  runEntry(`scripts/${script}.ts`, { args, env: { PSGRAPH_DATA_DIR: dataDir, ...env } });

describe('npm run token: one line for a bad argument or setting', () => {
  it('names the option or the variable', async () => {
    const [role, option, expires, setting] = await Promise.all([
      run('token', ['--role', 'BOSS']),
      run('token', ['--frobnicate']),
      run('token', ['--expires', 'soon']),
      run('token', [], { TOKEN_MAX_LIFETIME_SECONDS: 'a day' }),
    ]);
    assertOneLineError(role, 'token', '--role', /"BOSS" is not a role — roles are WORKER, /);
    assertOneLineError(option, 'token', '--frobnicate', /is not an option — usage: npm run token/);
    assertOneLineError(expires, 'token', '--expires', /"soon" is not a lifetime/);
    assertOneLineError(setting, 'token', 'TOKEN_MAX_LIFETIME_SECONDS', /must be a positive integer, got "a day"/);
    for (const exit of [role, option, expires, setting]) assert.equal(exit.stdout, '', 'no token');
  });
});

describe('npm run bootstrap-admin: one line for a bad argument, setting or database', () => {
  it('names the missing option and the bad data directory', async () => {
    const notADirectory = join(dataDir, 'a-file');
    writeFileSync(notADirectory, '');
    const [missing, directory] = await Promise.all([
      run('bootstrap-admin', ['--name', 'Ada Byron', '--api-key', 'first']),
      run('bootstrap-admin', ['--email', 'ada@firm.example', '--name', 'Ada', '--api-key', 'first'], {
        PSGRAPH_DATA_DIR: join(notADirectory, 'data'),
      }),
    ]);
    assertOneLineError(missing, 'bootstrap-admin', '--email', /is required — usage: npm run bootstrap-admin/);
    assertOneLineError(directory, 'bootstrap-admin', 'PSGRAPH_DATA_DIR', /cannot create ".*a-file\/data" \(ENOTDIR\)/);
  });

  it('waits for an unreachable PostgreSQL, a log line per attempt on stderr (stdout is for the secret), then gives up', async () => {
    const port = await sparePort();
    const exit = await run('bootstrap-admin', ['--email', 'ada@firm.example', '--name', 'Ada', '--api-key', 'first'], {
      DATABASE_URL: `postgres://psgraph:secret@127.0.0.1:${port}/hcm`,
      STARTUP_RETRY_SECONDS: '1',
    });
    assertOneLineError(exit, 'bootstrap-admin', 'DATABASE_URL', new RegExp(`PostgreSQL at 127.0.0.1:${port} did not answer within 1 s`));
    assert.match(exit.stderr, new RegExp(`waiting for PostgreSQL at 127.0.0.1:${port} \\(attempt 1, ECONNREFUSED\\)`));
    assert.equal(exit.stdout, '');
    assert.doesNotMatch(exit.stderr, /secret/, 'the password stays out of the logs');
  });
});

describe('npm run import: one line for bad arguments, a missing file, an unreachable gateway', () => {
  it('names what is wrong', async () => {
    const port = await sparePort();
    const csv = 'test/fixtures/import/generic-customers.csv';
    const mapping = ['--mapping', 'test/fixtures/import/generic-customers.mapping.json'];
    const [source, status, file, gateway] = await Promise.all([
      run('import', ['excel', csv]),
      run('import', ['generic', csv, '--status', 'DONE']),
      run('import', ['generic', join(dataDir, 'missing.csv'), ...mapping]),
      run('import', ['generic', csv, ...mapping, '--gateway', `http://127.0.0.1:${port}/graphql`, '--token', 'any']),
    ]);
    assertOneLineError(source, 'import', 'source', /"excel" is not harvest, kimai or generic — usage: npm run import/);
    assertOneLineError(status, 'import', '--status', /"DONE" is not DRAFT or APPROVED/);
    assertOneLineError(file, 'import', join(dataDir, 'missing.csv'), /cannot be read \(ENOENT\)/);
    assertOneLineError(gateway, 'import', '--gateway', new RegExp(`the graph at http://127.0.0.1:${port}/graphql cannot be reached: .*ECONNREFUSED`));
  });
});

describe('npm run seed: one line for a bad argument, a missing or unreachable database', () => {
  it('names the option or the variable', async () => {
    const port = await sparePort();
    const [scale, unset, url, unreachable] = await Promise.all([
      run('seed', ['--scale', 'big']),
      run('seed', []),
      run('seed', [], { CRM_DATABASE_URL: 'crm-db:5432', DATABASE_URL: `postgres://u@127.0.0.1:${port}/x` }),
      run('seed', ['--database-url', `postgres://psgraph:secret@127.0.0.1:${port}/x`], { STARTUP_RETRY_SECONDS: '1' }),
    ]);
    assertOneLineError(scale, 'seed', '--scale', /must be a positive number, got "big"/);
    assertOneLineError(unset, 'seed', 'DATABASE_URL', /is not set .* — pass --database-url, or set DATABASE_URL or CRM_DATABASE_URL/);
    assertOneLineError(url, 'seed', 'CRM_DATABASE_URL', /is not a postgres URL/);
    assertOneLineError(unreachable, 'seed', '--database-url', new RegExp(`PostgreSQL at 127.0.0.1:${port} did not answer within 1 s`));
    assert.match(unreachable.stdout, /waiting for PostgreSQL/);
    assert.doesNotMatch(unreachable.stdout + unreachable.stderr, /secret/);
  });
});

/**
 * `npm run bootstrap-admin -- --email ada@firm.example --name "Ada Byron" [--oidc-subject VALUE] [--api-key NAME]
 * [--legal-entity CODE --legal-entity-name NAME --country CC --currency CUR]`: the first administrator of an empty
 * production database (README "First run in production").
 *
 * It writes to hcm's database directly, through hcm's own services: no credential exists yet to ask the graph with
 * (making one is the point), and nothing has to be running. The database is hcm's, as `npm run start:hcm` opens it
 * (DATABASE_URL, DATABASE_SCHEMA), or without DATABASE_URL the embedded one under PSGRAPH_DATA_DIR (with `npm start`
 * stopped: PGlite has one process at a time). The events it writes (`hcm.worker.created`, …) leave with hcm's relay
 * when hcm next runs. What it did goes to stderr; a new API key's secret alone to stdout. A bad argument or setting, or
 * a database that does not answer within STARTUP_RETRY_SECONDS, stops it with one line on stderr.
 */
import { systemClock } from '../lib/clock.ts';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { openPGlite, waitForPostgres } from '../lib/db/database.ts';
import { DomainError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { parseCommandLine, runMain } from '../lib/startup.ts';
import { openHcmDatabase } from '../subgraphs/hcm/db.ts';
import { bootstrapAdmin, defaultLegalEntity } from '../subgraphs/hcm/bootstrap-admin.ts';

const usage =
  'usage: npm run bootstrap-admin -- --email EMAIL --name NAME [--oidc-subject VALUE] [--api-key NAME] ' +
  '[--legal-entity CODE] [--legal-entity-name NAME] [--country CC] [--currency CUR]';

await runMain('bootstrap-admin', async () => {
  const { values } = parseCommandLine(
    {
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        'oidc-subject': { type: 'string' },
        'api-key': { type: 'string' },
        'legal-entity': { type: 'string' },
        'legal-entity-name': { type: 'string' },
        country: { type: 'string' },
        currency: { type: 'string' },
      },
    },
    usage,
  );
  if (!values.email) throw new ConfigError('--email', 'is required', usage);
  if (!values.name) throw new ConfigError('--name', 'is required', usage);
  if (!values['oidc-subject'] && !values['api-key']) {
    throw new ConfigError('--api-key', 'or --oidc-subject is required: say how the administrator signs in', usage);
  }

  const config = loadConfig();
  if (config.databaseUrl) {
    // Its log lines go to stderr with the rest: stdout carries only a new API key's secret.
    const logger = createLogger({ service: 'bootstrap-admin' }, config.logLevel, (line) => process.stderr.write(`${line}\n`));
    await waitForPostgres(config.databaseUrl, { retrySeconds: config.startup.retrySeconds, logger });
  }
  const session = config.databaseUrl ? undefined : await openPGlite(config.dataDir);
  const database = await openHcmDatabase(
    session ? { kind: 'pglite', session } : { kind: 'postgres', url: config.databaseUrl!, poolSize: 1 },
    config.databaseSchema,
  );
  const oidcMatch = config.oidc?.workerMatch ?? 'email';
  try {
    const outcome = await bootstrapAdmin(
      { db: database.db, clock: systemClock },
      {
        email: values.email,
        name: values.name,
        oidcSubject: values['oidc-subject'],
        oidcMatch,
        apiKeyName: values['api-key'],
        legalEntity: {
          code: values['legal-entity'] ?? defaultLegalEntity.code,
          name: values['legal-entity-name'] ?? defaultLegalEntity.name,
          country: values.country ?? defaultLegalEntity.country,
          currency: values.currency ?? defaultLegalEntity.currency,
        },
      },
    );
    const { worker, apiKey } = outcome;
    const who = `${worker.name} <${worker.email}> (worker ${worker.id}, employee number ${worker.employeeNumber})`;
    if (outcome.created.length === 0) console.error(`Nothing changed: ${who} is there already.`);
    else console.error(`Created ${outcome.created.join(', ')}.\nThe first administrator is ${who}.`);
    if (values['oidc-subject']) {
      const claim = config.oidc?.workerClaim ?? 'email';
      console.error(
        `Identity provider: their access tokens must carry "${claim}": "${values['oidc-subject']}" (matched as ${oidcMatch}) ` +
          `and a value of "${config.oidc?.roleClaim ?? 'roles'}" that OIDC_ROLE_MAP maps to ADMIN.`,
      );
    }
    if (apiKey?.secret) {
      console.error(`API key "${apiKey.name}" (ADMIN, acting as ${worker.name}); its secret, shown this once, is on stdout:`);
      console.log(apiKey.secret);
    } else if (apiKey) {
      console.error(
        `API key "${apiKey.name}" (${apiKey.prefix}…) exists already; its secret was shown when it was made and is not kept. ` +
          'If it is lost, revoke the key (revokeApiKey) and run this again.',
      );
    }
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    console.error(`psgraph bootstrap-admin: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await database.close();
    await session?.pglite.close();
  }
});

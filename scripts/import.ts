/**
 * Imports a Harvest or Kimai time export, or a generic CSV with a column mapping, into the graph (README "Bring your
 * data"):
 *
 *   npm run import -- harvest ./harvest_time_report.csv --mapping defaults.json --status APPROVED
 *   npm run import -- generic ./workers.csv --mapping workers.mapping.json --dry-run --report report.json
 *
 * Options: --dry-run (read, report, write nothing), --status DRAFT|APPROVED (imported time's status; default DRAFT),
 * --allow-locked-periods (ADMIN: let time into closed periods), --mapping <json file> (generic: entity, system,
 * columns; any source: defaults), --gateway <url> (default GATEWAY_URL or http://127.0.0.1:4000/graphql), --token
 * <bearer> (default PSGRAPH_TOKEN, else an ADMIN token signed with the embedded default's secret), --report <file>
 * (every row's result, JSON). Exit status: 0 all rows imported or matched, 2 some refused, 1 the import failed.
 */
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { signBearerToken } from '../lib/auth/jwt.ts';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { parseCommandLine, runMain } from '../lib/startup.ts';
import { embeddedSecrets } from '../gateway/embedded-secrets.ts';
import {
  httpImportGraph,
  ImportGraphError,
  ImportInputError,
  ProgressLine,
  runImport,
  type ImportReport,
  type ImportSource,
} from '../lib/import/index.ts';

const usage =
  'usage: npm run import -- <harvest|kimai|generic> <file.csv> [--dry-run] [--status DRAFT|APPROVED] ' +
  '[--allow-locked-periods] [--mapping file.json] [--gateway url] [--token bearer] [--report report.json]';

// Bad arguments, an unreadable file, an unreachable or refusing gateway: one line `psgraph import: …` and exit 1.
await runMain('import', async () => {
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        status: { type: 'string', default: 'DRAFT' },
        'allow-locked-periods': { type: 'boolean', default: false },
        mapping: { type: 'string' },
        gateway: { type: 'string' },
        token: { type: 'string' },
        report: { type: 'string' },
      },
    },
    usage,
  );

  const [source, file] = positionals;
  if (!['harvest', 'kimai', 'generic'].includes(source ?? '')) {
    throw new ConfigError('source', source ? `"${source}" is not harvest, kimai or generic` : 'is missing', usage);
  }
  if (!file) throw new ConfigError('file', 'is missing', usage);
  const status = values.status!.toUpperCase();
  if (status !== 'DRAFT' && status !== 'APPROVED') throw new ConfigError('--status', `"${values.status}" is not DRAFT or APPROVED`, usage);
  let mapping: unknown;
  if (values.mapping) {
    try {
      mapping = JSON.parse(readFileSync(values.mapping, 'utf8'));
    } catch (error) {
      throw new ConfigError('--mapping', `${values.mapping}: ${(error as Error).message}`, 'name a readable JSON file');
    }
  }

  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new ConfigError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'check the path');
  }

  const url = values.gateway ?? process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
  let token = values.token ?? process.env.PSGRAPH_TOKEN;
  if (!token) {
    token = await signBearerToken({ workerId: null, roles: ['ADMIN'] }, embeddedSecrets(loadConfig()).jwtSecret, '12h');
    console.error('no --token or PSGRAPH_TOKEN: signed an ADMIN token with the embedded default\'s secret');
  }

  const input = createReadStream(file);
  const progress = new ProgressLine(process.stderr, size);
  const reportFile = values.report ? createWriteStream(values.report) : null;
  let firstRow = true;
  reportFile?.write('{"rows":[\n');

  let report: ImportReport;
  try {
    report = await runImport({
      source: source as ImportSource,
      input,
      graph: httpImportGraph({ url, token }),
      mapping,
      dryRun: values['dry-run'],
      timeStatus: status as 'DRAFT' | 'APPROVED',
      allowLockedPeriods: values['allow-locked-periods'],
      onRow(row) {
        reportFile?.write(`${firstRow ? '' : ',\n'}${JSON.stringify(row)}`);
        firstRow = false;
      },
      onProgress: (rows) => progress.update(rows, input.bytesRead),
    });
  } catch (error) {
    progress.done();
    if (error instanceof ImportInputError) throw new ConfigError(file, error.message, 'correct the file or the --mapping');
    // A request the graph refused as a whole (a role the token lacks, the graph away): rows decided so far are in --report.
    if (error instanceof ImportGraphError && error.code === 'SERVICE_UNAVAILABLE') {
      throw new ConfigError('--gateway', error.message, 'start the gateway (npm start), or pass --gateway or set GATEWAY_URL');
    }
    if (error instanceof ImportGraphError && error.code === 'UNAUTHENTICATED') {
      throw new ConfigError('--token', `the graph refused the token: ${error.message}`, 'pass a valid --token or set PSGRAPH_TOKEN');
    }
    if (error instanceof ImportGraphError) {
      const refusal = `the graph refused the import (${error.code}): ${error.message}`;
      throw new ConfigError('--token', refusal, 'use a token with the rights the import needs');
    }
    if ((error as { code?: string }).code?.startsWith('CSV_')) {
      throw new ConfigError(file, `is not CSV: ${(error as Error).message}`, 'export it as CSV');
    }
    throw error;
  }
  progress.update(report.totals.rows, input.bytesRead, true);
  progress.done();
  if (reportFile) {
    const { rows: _rows, ...summary } = report;
    // Flushed before the process exits below.
    await new Promise<void>((resolve) => reportFile.end(`\n],\n"summary":${JSON.stringify(summary)}}\n`, resolve));
  }

  const { totals } = report;
  const columns = ['created', 'updated', 'matched', 'skipped', 'refused'] as const;
  const line = (label: string, counts: Record<(typeof columns)[number], number | string>) =>
    `${label.padEnd(12)} ${columns.map((column) => String(counts[column]).padStart(8)).join(' ')}`;
  const seconds = (report.durationMs / 1000).toFixed(1);
  const heading = `${source} ${file}, ${totals.rows} rows in ${seconds} s, time as ${report.timeStatus}`;
  console.log(`${report.dryRun ? 'Dry run (nothing written): ' : ''}${heading}`);
  console.log(line('', Object.fromEntries(columns.map((column) => [column, column])) as Record<(typeof columns)[number], string>));
  console.log(line('rows', totals));
  for (const entity of report.entities) console.log(line(entity.entity, entity));
  const problems = report.rows.filter((row) => row.outcome === 'REFUSED' || row.outcome === 'SKIPPED');
  for (const row of problems.slice(0, 20)) console.log(`line ${row.line}: ${row.outcome} ${row.code ?? ''} ${row.message ?? ''}`.trimEnd());
  if (problems.length > 20 || report.omittedRows > 0) {
    console.log(`… ${values.report ? `every row is in ${values.report}` : 'use --report <file> for every row'}`);
  }
  process.exit(totals.refused > 0 ? 2 : 0);
});

/**
 * Lists how schema/api.graphql (the client schema, `npm run compose`) changed since a git ref with
 * @graphql-inspector/core, and fails on breaking changes not acknowledged in schema/breaking-changes.json (README
 * "Client schema"): `npm run schema:check [-- --base <ref> | --base-file <file>] [--schema <file>]
 * [--acknowledgements <file>]`. The base defaults to HEAD, so it checks what a commit of the working tree would change.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

const root = fileURLToPath(new URL('..', import.meta.url));
const apiSchemaFile = 'schema/api.graphql';
export const acknowledgementsPath = `${root}schema/breaking-changes.json`;

/** A breaking change made on purpose: the change's path as the check prints it, and why clients can live with it. */
export interface Acknowledgement {
  readonly path: string;
  readonly reason: string;
}

export interface SchemaCheck {
  readonly breaking: readonly Change[];
  readonly dangerous: readonly Change[];
  readonly safe: readonly Change[];
  /** The breaking changes no acknowledgement names: the check fails while there are any. */
  readonly unacknowledged: readonly Change[];
  /** Acknowledgements that name no breaking change of this comparison (left from an earlier one: remove them). */
  readonly unused: readonly Acknowledgement[];
}

/** What an acknowledgement names: the change's path (`Type.field`, `Type.field.argument`), or its type when it has none. */
export const changeKey = (change: Change) => change.path ?? change.type;

export async function checkSchemaChanges(
  previousSdl: string,
  currentSdl: string,
  acknowledgements: readonly Acknowledgement[] = [],
): Promise<SchemaCheck> {
  const changes = await diff(buildSchema(previousSdl), buildSchema(currentSdl));
  const at = (level: CriticalityLevel) => changes.filter((change) => change.criticality.level === level);
  const breaking = at(CriticalityLevel.Breaking);
  const acknowledged = new Set(acknowledgements.map((acknowledgement) => acknowledgement.path));
  const breakingKeys = new Set(breaking.map(changeKey));
  return {
    breaking,
    dangerous: at(CriticalityLevel.Dangerous),
    safe: at(CriticalityLevel.NonBreaking),
    unacknowledged: breaking.filter((change) => !acknowledged.has(changeKey(change))),
    unused: acknowledgements.filter((acknowledgement) => !breakingKeys.has(acknowledgement.path)),
  };
}

/** schema/breaking-changes.json: a list of {path, reason}; a malformed file fails the check with what is wrong. */
export function readAcknowledgements(file: string): Acknowledgement[] {
  if (!existsSync(file)) return [];
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
  const valid = (entry: any) =>
    typeof entry?.path === 'string' && entry.path !== '' && typeof entry.reason === 'string' && entry.reason.trim() !== '';
  if (!Array.isArray(entries) || !entries.every(valid)) {
    throw new Error(`${file} must be a list of {"path": "<change path>", "reason": "<why clients can live with it>"}`);
  }
  return entries.map(({ path, reason }) => ({ path, reason }));
}

const git = (...args: string[]) => spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });

/** schema/api.graphql as committed at `ref`; null when that commit has none (the check then has nothing to compare). */
export function clientSchemaAt(ref: string): string | null {
  if (git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).status !== 0) throw new Error(`no commit ${ref} in ${root}`);
  if (git('cat-file', '-e', `${ref}:${apiSchemaFile}`).status !== 0) return null;
  const shown = git('show', `${ref}:${apiSchemaFile}`);
  if (shown.status !== 0) throw new Error(`git show ${ref}:${apiSchemaFile} failed: ${shown.stderr.trim()}`);
  return shown.stdout;
}

/** The check's report: a count line, then every change (breaking first) with its path, and what to do on failure. */
export function describeSchemaCheck(check: SchemaCheck, against: string, acknowledgements: readonly Acknowledgement[]): string {
  const reasons = new Map(acknowledgements.map((acknowledgement) => [acknowledgement.path, acknowledgement.reason]));
  const acknowledgedCount = check.breaking.length - check.unacknowledged.length;
  const lines = [
    `${apiSchemaFile} against ${against}: ${check.breaking.length} breaking (${acknowledgedCount} acknowledged), ` +
      `${check.dangerous.length} dangerous, ${check.safe.length} safe`,
  ];
  const list = (label: string, changes: readonly Change[]) => {
    for (const change of changes) {
      lines.push(`${label.padEnd(9)} ${changeKey(change)}: ${change.message}`);
      const reason = label === 'BREAKING' ? reasons.get(changeKey(change)) : undefined;
      if (reason) lines.push(`          acknowledged: ${reason}`);
      else if (label === 'DANGEROUS' && change.criticality.reason) lines.push(`          ${change.criticality.reason}`);
    }
  };
  list('BREAKING', check.breaking);
  list('DANGEROUS', check.dangerous);
  list('SAFE', check.safe);
  for (const unused of check.unused) lines.push(`note: schema/breaking-changes.json names ${unused.path}, which is no breaking change here: remove it`);
  if (check.unacknowledged.length > 0) {
    lines.push(
      `${check.unacknowledged.length} breaking change(s) not acknowledged: keep the old field or argument (deprecate it), ` +
        'or, if clients can live with it, add {"path": "<path above>", "reason": "<why>"} to schema/breaking-changes.json',
    );
  }
  return lines.join('\n');
}

/** The command: exit 0 when every breaking change is acknowledged (or there is no base to compare), else 1. */
export async function runSchemaCheck(argv: readonly string[]): Promise<{ exitCode: number; output: string }> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      base: { type: 'string', default: 'HEAD' },
      'base-file': { type: 'string' },
      schema: { type: 'string', default: `${root}${apiSchemaFile}` },
      acknowledgements: { type: 'string', default: acknowledgementsPath },
    },
  });
  const baseFile = values['base-file'];
  const previous = baseFile ? readFileSync(baseFile, 'utf8') : clientSchemaAt(values.base);
  const against = baseFile ?? values.base;
  if (previous === null) return { exitCode: 0, output: `${against} has no ${apiSchemaFile}: nothing to compare` };
  const acknowledgements = readAcknowledgements(values.acknowledgements);
  const check = await checkSchemaChanges(previous, readFileSync(values.schema, 'utf8'), acknowledgements);
  return { exitCode: check.unacknowledged.length > 0 ? 1 : 0, output: describeSchemaCheck(check, against, acknowledgements) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { exitCode, output } = await runSchemaCheck(process.argv.slice(2));
    console.log(output);
    process.exit(exitCode);
  } catch (error) {
    console.error(`schema check: ${(error as Error).message}`);
    process.exit(2);
  }
}

/**
 * `npm run build` (also `prepare`, so `npm ci` builds): compiles the servers' TypeScript to dist/ once, so a start
 * loads plain JavaScript instead of transforming ≈ 450 files through tsx (≈ 1 s of every start, docs/benchmarks.md
 * "Start-up"), and each subgraph's schema and the supergraph's cost declarations worked out once (schema/prebuilt/,
 * lib/graphql/prebuilt-subgraph-schema.ts, gateway/demand-control/cost-directives.ts), and each server entry point
 * bundled with psgraph's own modules into one file (scripts/bundle-entries.mjs). Types are not checked here
 * (`npm run typecheck` and `npm test` do that): the output is what tsx would have run. dist/ mirrors the tree, with
 * the files the code reads next to itself (schema/*.graphql, the gateway's .graphql files, the browser IDE's files,
 * package.json, README.md), so paths relative to `import.meta.url` hold in both.
 *
 * Plain JavaScript, not TypeScript: it runs before anything is compiled, and where only production dependencies are
 * installed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const distDir = join(root, 'dist');
/** Written last: a dist/ without it is half-built. Holds when the build began. */
const stampFile = join(distDir, '.built');
/** What the build reads: a change (or a file added or removed: its folder's time changes) makes dist/ stale. */
const sourceFolders = ['lib', 'gateway', 'subgraphs', 'resolvers', 'scripts', 'schema'];
const sourceFiles = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md'];
/** Files the code reads beside itself (.graphql schemas, the browser IDE's .js and .css): copied into dist/ as they are. */
const isAsset = (name) => /\.(graphql|js|css|json)$/.test(name);
const isSource = (name) => name.endsWith('.ts') || isAsset(name);

/** The newest modification time (ms) among the sources and their folders. */
function newestSourceTime() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (!stat.isDirectory()) return;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory()) visit(join(path, entry.name));
      else if (isSource(entry.name)) newest = Math.max(newest, statSync(join(path, entry.name)).mtimeMs);
    }
  };
  for (const folder of sourceFolders) if (existsSync(join(root, folder))) visit(join(root, folder));
  for (const file of sourceFiles) if (existsSync(join(root, file))) newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

/**
 * Whether dist/ is complete and no source changed since its build began. A few milliseconds (≈ 700 stats). An image
 * that ships dist/ without the TypeScript has nothing to compare: its dist/ is what it runs.
 */
export function distIsCurrent() {
  if (!existsSync(stampFile)) return false;
  if (!existsSync(join(root, 'lib'))) return true;
  return newestSourceTime() <= statSync(stampFile).mtimeMs;
}

/** Whether this install can compile (TypeScript is a development dependency). */
export function canBuild() {
  try {
    createRequire(import.meta.url).resolve('typescript/bin/tsc');
    return true;
  } catch {
    return false;
  }
}

/** The asset files under `folder` (relative to root), recursively. */
function assetFilesUnder(folder) {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && isAsset(entry.name))
    .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)));
}

/**
 * Compiles into a fresh folder and swaps it in whole, so a process starting meanwhile never loads half a build and
 * files deleted from the source do not linger. Throws when the compiler fails. `into`: dist/, or (tests) another
 * folder directly under the project, where the dependencies in node_modules resolve alike.
 */
export function build(into = distDir) {
  const began = new Date();
  const staging = `${into}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', staging], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (compiled.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`tsc -p tsconfig.build.json failed (exit ${compiled.status ?? compiled.signal})`);
  }
  // README.md: the browser IDE's examples (gateway/graphiql-examples.ts) are its ```graphql blocks.
  const assets = [...['schema', 'lib', 'gateway', 'subgraphs', 'resolvers'].flatMap(assetFilesUnder), 'package.json', 'README.md'];
  for (const asset of assets) {
    mkdirSync(dirname(join(staging, asset)), { recursive: true });
    cpSync(join(root, asset), join(staging, asset));
  }
  const prebuilt = spawnSync(process.execPath, [join(staging, 'scripts', 'prebuild-subgraph-schemas.js')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (prebuilt.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`writing the prebuilt schemas failed (exit ${prebuilt.status ?? prebuilt.signal})`);
  }
  const bundled = spawnSync(process.execPath, [join(root, 'scripts', 'bundle-entries.mjs'), staging], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (bundled.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`bundling the entry points failed (exit ${bundled.status ?? bundled.signal})`);
  }
  writeFileSync(join(staging, '.built'), `${began.toISOString()}\n`);
  // The stamp's time is when compiling began: a source saved during the build makes the result stale.
  utimesSync(join(staging, '.built'), began, began);
  const previous = `${into}.previous-${process.pid}`;
  if (existsSync(into)) renameSync(into, previous);
  renameSync(staging, into);
  rmSync(previous, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `prepare` runs on every install, also one without development dependencies (a production image that copies a
  // dist/ built in an earlier stage): there, no compiler is not an error. (It also runs where the sources are not
  // copied yet, e.g. a Dockerfile's dependency layer: package.json's `test -f` skips it then.)
  if (process.argv.includes('--if-possible') && !canBuild()) {
    process.stderr.write('psgraph build: TypeScript is not installed; dist/ left as it is\n');
  } else {
    const started = performance.now();
    build();
    process.stderr.write(`psgraph build: compiled to dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

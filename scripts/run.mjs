/**
 * Runs a server entry point from its compiled form in dist/: `node scripts/run.mjs gateway/embedded.ts [args…]`
 * (`npm start`, `npm run start:gateway`, `npm run start:crm` …). A dist/ older than the source is rebuilt first (the
 * source is the truth; a stale build would run yesterday's code); one that cannot be rebuilt (no TypeScript
 * installed) stops the start with one line. `npm run dev` runs the source through tsx instead, without a build.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, canBuild, distDir, distIsCurrent, root } from './build.mjs';

// Node 22.1+: keeps V8's compiled code between starts (≈ 0.3 s of loading); Node 20 has no such cache.
module.enableCompileCache?.();

const [entry, ...args] = process.argv.slice(2);
if (!entry?.endsWith('.ts') || !existsSync(join(root, entry))) {
  process.stderr.write(`psgraph: usage: node scripts/run.mjs <entry point .ts, e.g. gateway/main.ts> [arguments]\n`);
  process.exit(2);
}

/** Processes started together (compose, `npm run start:crm & npm run start:hcm`) build once: a lock folder. */
async function rebuildOnce() {
  const lock = `${distDir}.lock`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A lock left by a build that died (killed mid-compile) is older than any build takes.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another build holds ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if (distIsCurrent()) return;
    process.stderr.write('psgraph: compiling to dist/ (the source changed since the last build; npm run dev skips this)…\n');
    build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (!distIsCurrent()) {
  if (!canBuild()) {
    process.stderr.write(
      'psgraph: dist/ is missing or older than the source, and TypeScript is not installed to rebuild it — ' +
        'run `npm run build` where the development dependencies are installed\n',
    );
    process.exit(1);
  }
  try {
    await rebuildOnce();
  } catch (error) {
    process.stderr.write(`psgraph: could not build dist/: ${error.message} — run \`npm run build\` to see why\n`);
    process.exit(1);
  }
}

const compiled = join(distDir, entry.replace(/\.ts$/, '.js'));
// The entry reads its arguments as if it had been started itself.
process.argv = [process.argv[0], compiled, ...args];
await import(pathToFileURL(compiled).href);

/**
 * Run by `npm run build` on the freshly compiled tree (`node scripts/bundle-entries.mjs <folder>`): replaces each
 * server entry point (what `npm start` and `npm run start:<process>` run) by one file holding it and every psgraph
 * module it imports, and kysely's. Node 20 loads ES modules one by one — resolving, reading, linking each — which for
 * the ≈ 470 of ours and kysely's ≈ 260 cost ≈ 0.3–0.4 s of CPU on every start (docs/benchmarks.md "Start-up"); it has
 * no compile cache (Node 22's `module.enableCompileCache`). The other compiled files stay as they are, for the scripts
 * and tests that import them.
 *
 * Each module's `import.meta.url` is rewritten to the URL of its own file, so the files read relative to it (the
 * .graphql schemas, the prebuilt artefacts, the browser IDE's files) are found as before. The other packages stay
 * imports of their own (one instance each, shared with the dependencies that import them too). esbuild is a development
 * dependency, as TypeScript is: where it is missing (production dependencies only) the entries stay unbundled, and
 * start as before.
 *
 * Plain JavaScript: it runs where only the compiled tree exists.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The entry points scripts/run.mjs starts, relative to the compiled folder. */
const entries = ['gateway/embedded.js', 'gateway/main.js', ...['crm', 'hcm', 'psa', 'time', 'erp'].map((name) => `subgraphs/${name}/main.js`)];

/**
 * Packages whose modules go into the bundle: ES modules of many small files that only psgraph imports. Not Apollo
 * Server's ES build (≈ 130 modules with graphql-tools, ≈ 0.1 s): its lazily imported plugins' imports would be hoisted
 * above the telemetry stand-ins' (the build test checks that they come first).
 */
const inlinedPackages = new Set(['kysely']);

/**
 * psgraph modules kept as separate files, imported from the bundle: one loaded before any package (the stand-ins for
 * @apollo/gateway's telemetry requires must be in place first, and a bundle's imports of packages all run before its
 * own code), the tracing SDK loaded only when tracing is on, and the module whose state both share.
 */
const separateModules = new Set(['gateway/defer-apollo-telemetry.js', 'lib/tracing/sdk.js', 'lib/tracing/spans.js']);

const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const urlPath = (path) => path.split(sep).join('/');

export async function bundleEntries(folder) {
  let esbuild;
  try {
    esbuild = createRequire(import.meta.url)('esbuild');
  } catch {
    process.stderr.write('psgraph build: esbuild is not installed; the entry points stay unbundled\n');
    return;
  }
  for (const entry of entries) {
    const entryFile = join(folder, entry);
    const entryDir = dirname(entryFile);
    const relativeUrl = (file) => {
      const path = urlPath(relative(entryDir, file));
      return path.startsWith('.') ? path : `./${path}`;
    };
    await esbuild.build({
      entryPoints: [entryFile],
      outfile: entryFile,
      allowOverwrite: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Class and function names as written: errors and logs name them.
      keepNames: true,
      logLevel: 'warning',
      plugins: [
        {
          name: 'psgraph-modules',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, ({ path }) => (inlinedPackages.has(packageOf(path)) ? undefined : { path, external: true }));
            build.onResolve({ filter: /^\./ }, ({ path, resolveDir }) => {
              const file = join(resolveDir, path);
              return separateModules.has(urlPath(relative(folder, file))) ? { path: relativeUrl(file), external: true } : undefined;
            });
            build.onLoad({ filter: /\.m?js$/ }, ({ path }) => {
              const source = readFileSync(path, 'utf8');
              if (!source.includes('import.meta.url')) return undefined;
              const own = `new URL(${JSON.stringify(relativeUrl(path))}, import.meta.url).href`;
              return { contents: source.replaceAll('import.meta.url', own), loader: 'js', resolveDir: dirname(path) };
            });
          },
        },
      ],
    });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleEntries(process.argv[2]);

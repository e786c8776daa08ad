import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../lib/config.ts';

/** The deployment files as the tests read them: parsed, with the shapes they rely on. */

export const root = new URL('../../', import.meta.url);
export const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
export const kubernetesDir = 'deploy/kubernetes/';

export type Env = Record<string, string>;

export interface ComposeService {
  image?: string;
  restart?: string;
  command?: string[];
  environment?: Env;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

export interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * Compose's interpolation as `docker compose` applies it with nothing set in the shell: `${VAR:-default}` becomes
 * the default. A `${VAR}` without one would need the user to set something first, so it is an error here.
 */
export function interpolateWithDefaults(text: string): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (whole, name: string, fallback: string | undefined) => {
    if (fallback === undefined) throw new Error(`${whole} has no default: \`docker compose up\` would need ${name} set first`);
    return fallback;
  });
}

export function loadCompose(): Compose {
  // Merge keys (`<<: *anchor`) are YAML 1.1, which Compose reads.
  return parse(interpolateWithDefaults(read('deploy/compose.yaml')), { merge: true }) as Compose;
}

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

export function parseKubernetesYaml(text: string, source: string): KubernetesObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length) throw new Error(`${source}: ${document.errors[0].message}`);
    const object = document.toJS() as KubernetesObject | null;
    return object ? [object] : [];
  });
}

/** Every object of the manifests kustomization.yaml lists, file by file. */
export function loadKubernetesResources(): { file: string; objects: KubernetesObject[] }[] {
  const kustomization = parse(read(`${kubernetesDir}kustomization.yaml`)) as { resources: string[] };
  return kustomization.resources.map((file) => ({ file, objects: parseKubernetesYaml(read(`${kubernetesDir}${file}`), file) }));
}

/** `kubectl kustomize deploy/kubernetes` (offline), or null when kubectl is not installed. */
export function kustomize(): KubernetesObject[] | null {
  const result = spawnSync('kubectl', ['kustomize', new URL(kubernetesDir, root).pathname], { encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return null;
  if (result.status !== 0) throw new Error(`kubectl kustomize failed: ${result.stderr}`);
  return parseKubernetesYaml(result.stdout, 'kubectl kustomize');
}

/** KEY=VALUE lines (comments and blank lines skipped), as deploy/entrypoint.sh and `--from-env-file` read them. */
export function parseEnvFile(text: string): Env {
  const entries = text
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(entries);
}

/**
 * The source file of the entry point in a command the entrypoint prints (`--dry-run`): the TypeScript it runs through
 * tsx, or the one dist/ compiled the JavaScript from. Undefined when there is no such source.
 */
export function sourceOf(command: string): string | undefined {
  const entry = command.split(/\s+/).find((word) => /\.(ts|js)$/.test(word));
  const source = entry?.replace(/^dist\/(.*)\.js$/, '$1.ts');
  return source && existsSync(new URL(source, root)) ? source : undefined;
}

/** The roles deploy/entrypoint.sh knows (`--roles`). */
export function entrypointRoles(): string[] {
  const result = spawnSync('sh', [new URL('deploy/entrypoint.sh', root).pathname, '--roles'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`entrypoint --roles failed: ${result.stderr}`);
  return result.stdout.trim().split('\n');
}

/**
 * Every environment variable psgraph reads: what loadConfig asks of the environment (recorded through a proxy, with
 * OIDC on so its settings are asked too), what the entry points read from process.env directly, what the container
 * entrypoint reads, and the standard NODE_ENV; OTEL_* belong to OpenTelemetry's SDK.
 */
export function settingsPsgraphReads(): Set<string> {
  const asked = new Set<string>();
  const given: Env = { OIDC_ISSUER: 'https://id.example.com', OIDC_AUDIENCE: 'psgraph' };
  const env = new Proxy(given, {
    get: (target, key) => {
      if (typeof key === 'string') asked.add(key);
      return target[key as string];
    },
    has: (target, key) => {
      if (typeof key === 'string') asked.add(key);
      return key in target;
    },
  });
  loadConfig(env);
  const direct = /process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g;
  for (const dir of ['gateway', 'lib', 'subgraphs', 'scripts']) {
    for (const file of readdirSync(new URL(dir, root), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      for (const match of read(`${dir}/${file}`).matchAll(direct)) asked.add(match[1] ?? match[2]);
    }
  }
  for (const match of read('deploy/entrypoint.sh').matchAll(/\$\{?(PSGRAPH_[A-Z_]+)/g)) asked.add(match[1]);
  asked.add('NODE_ENV');
  return asked;
}

export const isPsgraphSetting = (name: string, known: Set<string>) => known.has(name) || name.startsWith('OTEL_');

/** The paths an HTTP server's request handler matches by name (`path === '/healthz'`). */
export function servedPaths(file: string): Set<string> {
  return new Set([...read(file).matchAll(/path === '(\/[a-z]+)'/g)].map((match) => match[1]));
}

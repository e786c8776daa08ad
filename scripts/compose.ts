/**
 * Composes `schema/<name>.graphql` into `schema/supergraph.graphql` with @apollo/composition. Fails, printing every
 * composition error, when the subgraphs do not compose. The gateway loads the committed file; a test fails when it
 * is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { defaultSubgraphPorts, subgraphNames } from '../lib/config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
export const supergraphPath = `${root}schema/supergraph.graphql`;

export function composeSupergraph(): string {
  const services = subgraphNames
    .filter((name) => existsSync(`${root}schema/${name}.graphql`))
    .map((name) => ({
      name,
      // Placeholder routing URLs: the gateway always routes by name to the URLs it is configured with.
      url: `http://127.0.0.1:${defaultSubgraphPorts[name]}/graphql`,
      typeDefs: parse(readFileSync(`${root}schema/${name}.graphql`, 'utf8')),
    }));
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((error) => `- ${error.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    writeFileSync(supergraphPath, composeSupergraph());
    console.log(`wrote ${supergraphPath}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

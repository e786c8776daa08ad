/**
 * One gateway of the peer benchmark (bench/gateways.ts) as its own process: `psgraph` (gateway/main.ts as deployed),
 * `stock` (@apollo/gateway under ApolloServer's standalone node:http server) or `hive` (Hive Gateway's runtime on
 * node:http), all over the committed supergraph and the subgraphs at CRM_URL …
 * ERP_URL. The benchmark asks for the process's CPU time over IPC (`{ cpu: true }` → process.cpuUsage()).
 *
 * The subgraphs trust only an identity signed for each request (lib/auth/identity.ts). psgraph signs the identity of
 * the caller's verified bearer token; the peers have no such notion, so they sign BENCH_IDENTITY (the same ADMIN
 * the benchmark's token names) for every subgraph call, with the same function, on the body they send.
 */
import { createServer } from 'node:http';
import { signIdentity, type Identity } from '../lib/auth/identity.ts';
import { supergraphSdl } from '../gateway/supergraph.ts';
import { subgraphNames } from '../lib/config.ts';

process.on('message', (message: { cpu?: boolean }) => {
  if (message.cpu) process.send!({ cpu: process.cpuUsage() });
});
// The benchmark ends with SIGTERM; Hive's runtime would otherwise only dispose of itself and keep the process up.
if (process.argv[2] !== 'psgraph') process.once('SIGTERM', () => process.exit(0));

const kind = process.argv[2];
const port = Number(process.env.PORT);
const identitySecret = process.env.IDENTITY_SIGNING_SECRET!;
const identity = JSON.parse(process.env.BENCH_IDENTITY ?? '{"workerId":null,"roles":["ADMIN"]}') as Identity;
const subgraphUrls = Object.fromEntries(subgraphNames.map((name) => [name, process.env[`${name.toUpperCase()}_URL`]!]));

/** The identity headers for one subgraph call, signed on its method, URL and body as the subgraphs check. */
const signedFor = (url: string, method: string, body: unknown) =>
  signIdentity(identity, identitySecret, { method, url, body: typeof body === 'string' ? body : '' });

if (kind === 'psgraph') {
  await import('../gateway/main.ts');
} else if (kind === 'stock') {
  const { ApolloGateway, RemoteGraphQLDataSource } = await import('@apollo/gateway');
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphSdl(),
    buildService: ({ name }) =>
      new RemoteGraphQLDataSource({
        url: subgraphUrls[name],
        fetcher: ((url: string, init: RequestInit = {}) =>
          fetch(url, {
            ...init,
            headers: { ...(init.headers as Record<string, string>), ...signedFor(url, init.method ?? 'POST', init.body) },
          })) as never,
      }),
  });
  const server = new ApolloServer({ gateway });
  await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
} else if (kind === 'hive') {
  // Imported by a name TypeScript does not follow: Hive's types (graphql-yoga's) widen graphql's error extensions for
  // the whole program, which psgraph's own code then no longer type-checks against.
  const hivePackage: string = '@graphql-hive/gateway';
  const { createGatewayRuntime } = (await import(hivePackage)) as {
    createGatewayRuntime(config: Record<string, unknown>): Parameters<typeof createServer>[1] & object;
  };
  // The supergraph's join__graph URLs are the composer's placeholders: point each subgraph at its process.
  const supergraph = supergraphSdl().replace(/(join__graph\(name: "(\w+)", url: ")[^"]*"/g, (_, prefix: string, name: string) => {
    const url = subgraphUrls[name.toLowerCase()];
    if (!url) throw new Error(`no URL for subgraph ${name}`);
    return `${prefix}${url}"`;
  });
  const gateway = createGatewayRuntime({
    supergraph,
    logging: false,
    // Identical subgraph calls in flight are merged by default (deduplicateInflightRequests); identical client
    // requests only when asked.
    inboundInflightRequestDeduplication: process.env.BENCH_HIVE_INBOUND_DEDUPE === 'true',
    plugins: () => [
      {
        onFetch({ url, options, setOptions }: { url: string; options: RequestInit; setOptions(options: RequestInit): void }) {
          const headers = { ...(options.headers as Record<string, string>), ...signedFor(url, options.method ?? 'POST', options.body) };
          setOptions({ ...options, headers });
        },
      },
    ],
  });
  const server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
} else {
  throw new Error(`unknown gateway ${kind}: psgraph, stock or hive`);
}

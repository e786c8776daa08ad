/**
 * The live send path alone: one shared result pushed to every subscription of a graphql-ws server (the gateway's own,
 * `attachLiveServer`) and written to its socket, with no feed, graph or store behind it. What it costs the server per
 * delivered message (CPU, user + system) is what a live change costs per subscriber once resolved.
 *
 *   npm run bench:live-send -- --connections 1000 --rounds 200
 *
 * The clients (plain `ws` sockets speaking graphql-transport-ws, counting `next` messages) run in a child process.
 * Each round pushes one result object (its own cursor), as the feed shares one among a group's subscribers, to every
 * subscription, and waits until every client has received it.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import type { FormattedExecutionResult } from 'graphql';
import WebSocket from 'ws';
import { silentLogger } from '../lib/logger.ts';
import type { Authenticator } from '../gateway/authentication/index.ts';
import { ConnectionLimiter } from '../gateway/subscriptions/connections.ts';
import type { LiveFeed } from '../gateway/subscriptions/feed.ts';
import { SubscriberStream } from '../gateway/subscriptions/subscriber-stream.ts';
import { attachLiveServer } from '../gateway/subscriptions/ws-server.ts';
import { liveBenchSchema } from './live-schema.ts';

const subscription = `subscription { timeEntryStatusChanged(filter: { workerId: "w1" }) { id status hours project { code } } }`;

if (process.env.BENCH_LIVE_SEND_CLIENTS) {
  let received = 0;
  process.on('message', async ({ url, connections }: { url: string; connections: number }) => {
    for (let i = 0; i < connections; i++) {
      const socket = new WebSocket(url, 'graphql-transport-ws');
      socket.on('message', (data) => {
        const text = String(data);
        if (text.startsWith('{"id"')) received++;
        else if (text.includes('connection_ack')) socket.send(JSON.stringify({ id: `s${i}`, type: 'subscribe', payload: { query: subscription } }));
      });
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer bench' } }));
    }
  });
  setInterval(() => process.send!({ received }), 5);
} else {
  const { values } = parseArgs({ options: { connections: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '200' } } });
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  const schema = liveBenchSchema();
  const streams: SubscriberStream[] = [];
  const feed = { open: () => streams[streams.push(new SubscriberStream(1_000_000, () => undefined)) - 1] } as unknown as LiveFeed;
  const authenticator = { authenticate: async () => ({ identity: { workerId: 'w1', roles: ['WORKER'] }, expiresAt: null }) } as unknown as Authenticator;
  const httpServer = createServer();
  const live = attachLiveServer({
    httpServer, path: '/graphql', schema: () => schema, feed, connections: new ConnectionLimiter(connections), authenticator, logger: silentLogger, maskErrors: true,
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(httpServer.address() as { port: number }).port}/graphql`;
  const clients = fork(new URL(import.meta.url).pathname, [], { env: { ...process.env, BENCH_LIVE_SEND_CLIENTS: '1' }, execArgv: ['--import', 'tsx'] });
  let received = 0;
  clients.on('message', (message: { received: number }) => (received = message.received));
  clients.send({ url, connections });
  while (streams.length < connections) await new Promise((resolve) => setTimeout(resolve, 20));
  const until = async (count: number) => {
    while (received < count) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  const push = (round: number) => {
    const result: FormattedExecutionResult = {
      data: { timeEntryStatusChanged: { id: `entry-${round}`, status: 'APPROVED', hours: '7.50', project: { code: 'PRJ-0042' } } },
      extensions: { cursor: `1765000000000-${round}` },
    };
    for (const stream of streams) stream.push(result);
  };
  // Warm up, then measure.
  for (let round = 0; round < 20; round++) {
    push(round);
    await until((round + 1) * connections);
  }
  const base = received;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    push(1000 + round);
    await until(base + (round + 1) * connections);
  }
  const used = process.cpuUsage(cpu);
  const deliveries = rounds * connections;
  process.stdout.write(
    `${connections} subscriptions × ${rounds} results: ${deliveries} deliveries; server CPU ${((used.user + used.system) / deliveries).toFixed(1)} µs per delivery ` +
      `(user ${(used.user / deliveries).toFixed(1)}, system ${(used.system / deliveries).toFixed(1)}); wall ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  clients.kill();
  await live.close();
  httpServer.close();
}

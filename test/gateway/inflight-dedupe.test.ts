import assert from 'node:assert/strict';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { GraphQLDataSource } from '@apollo/gateway';
import { parse } from 'graphql';
import { IDENTITY_HEADER, type Role } from '../../lib/auth/identity.ts';
import type { GatewayContext } from '../../gateway/context.ts';
import { inflightDedupe } from '../../gateway/inflight-dedupe.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Holds every request a subgraph receives until released, counting the test's (not the services'): the calls that
 * reached the subgraph, and a window in which concurrent client requests all find each other's fetches in flight. `answer` replaces the subgraph's
 * own handling (a failing subgraph).
 */
function holdSubgraph(server: Server, answer?: (req: IncomingMessage, res: ServerResponse) => void) {
  const handlers = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const held: Array<() => void> = [];
  const received: string[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // The test's own calls: the subgraphs' event consumers read the graph meanwhile, as services.
    const claims = JSON.parse(Buffer.from(String(req.headers[IDENTITY_HEADER] ?? ''), 'base64url').toString('utf8') || '{}');
    if (!claims.service) received.push(String(req.headers['x-correlation-id']));
    held.push(() => (answer ? answer(req, res) : handlers.forEach((handler) => handler.call(server, req, res))));
  });
  return {
    received,
    release() {
      server.removeAllListeners('request');
      for (const handler of handlers) server.on('request', handler);
      for (const run of held.splice(0)) run();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Identical subgraph fetches in flight are merged (gateway/inflight-dedupe.ts): counted where they arrive, at the
 * subgraph. Never across identities, never for mutations; an error reaches every waiter.
 */
describe('identical subgraph fetches in flight are sent once', () => {
  let graph: HubHarness;
  const crm = () => graph.hub.subgraphs.crm.runtime.httpServer;
  const hcm = () => graph.hub.subgraphs.hcm.runtime.httpServer;
  let workers: string[];

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
    const { data } = await graph.query('{ workers(first: 2) { nodes { id } } }');
    workers = data.workers.nodes.map((worker: { id: string }) => worker.id);
    assert.equal(workers.length, 2);
  });
  after(() => graph.close());

  it('N concurrent identical queries reach the subgraph fewer than N times, and all get the same answer', async () => {
    const clients = 8;
    const held = holdSubgraph(crm());
    const answers = Array.from({ length: clients }, () => graph.query('{ customers(first: 5) { nodes { id name } } }'));
    // Long enough for every client request to reach its fetch while the first is held at the subgraph.
    await sleep(1500);
    held.release();
    const bodies = await Promise.all(answers);
    for (const body of bodies) assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(bodies[0].data.customers.nodes.length, 5);
    for (const body of bodies) assert.deepEqual(body.data, bodies[0].data);
    assert.ok(held.received.length < clients, `${held.received.length} subgraph calls for ${clients} identical queries`);
  });

  it('never merges the fetches of different identities: each caller gets the answer for itself', async () => {
    const callers: Array<{ workerId: string; roles: Role[] }> = [
      { workerId: workers[0], roles: ['WORKER'] },
      { workerId: workers[1], roles: ['WORKER'] },
      { workerId: workers[0], roles: ['WORKER', 'MANAGER'] },
      { workerId: workers[0], roles: ['WORKER'] },
      { workerId: workers[1], roles: ['WORKER'] },
    ];
    const distinct = new Set(callers.map((caller) => JSON.stringify(caller))).size;
    const held = holdSubgraph(hcm());
    const answers = callers.map((caller) => graph.query('{ me { id } }', {}, caller));
    await eventually(async () => assert.ok(held.received.length >= distinct, `${held.received.length} of ${distinct} identities`));
    await sleep(300);
    held.release();
    const bodies = await Promise.all(answers);
    bodies.forEach((body, index) => {
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.equal(body.data.me.id, callers[index].workerId);
    });
    assert.ok(held.received.length < callers.length, 'the repeated identities were merged');
  });

  it('never merges mutations: identical ones each reach the subgraph', async () => {
    const mutation = 'mutation { createCustomer(input: { name: "Twice Corp", code: "TWICE", currency: "EUR" }) { id } }';
    const held = holdSubgraph(crm());
    const answers = [graph.query(mutation), graph.query(mutation), graph.query(mutation)];
    // Merged, fewer would ever arrive and this would time out.
    await eventually(async () => assert.equal(held.received.length, 3));
    held.release();
    const bodies = await Promise.all(answers);
    const created = bodies.filter((body) => body.data?.createCustomer?.id);
    assert.equal(created.length, 1, 'one created the customer; the others were refused its code');
    assert.equal(bodies.filter((body) => body.errors?.length).length, 2);
  });

  it('an error reaches every waiter of the merged fetch', async () => {
    const clients = 5;
    const held = holdSubgraph(crm(), (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'overloaded' }] }));
    });
    const answers = Array.from({ length: clients }, () => graph.query('{ customers(first: 3) { nodes { id } } }'));
    await sleep(1500);
    held.release();
    const bodies = await Promise.all(answers);
    for (const body of bodies) {
      assert.equal(body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE', JSON.stringify(body));
    }
    assert.ok(held.received.length < clients, `${held.received.length} subgraph calls for ${clients} identical queries`);
    // The subgraph is back: the next query is its own call, not the failed one's answer.
    const { data, errors } = await graph.query('{ customers(first: 3) { nodes { id } } }');
    assert.equal(errors, undefined, JSON.stringify(errors));
    assert.equal(data.customers.nodes.length, 3);
  });
});

describe('inflightDedupe on a data source', () => {
  /** A data source answering after `release()`, counting its calls; each answer a fresh object. */
  function pendingSource() {
    const waiting: Array<() => void> = [];
    let calls = 0;
    const source: GraphQLDataSource<GatewayContext> = {
      async process() {
        calls += 1;
        await new Promise<void>((resolve) => waiting.push(resolve));
        return { data: { customers: { nodes: [{ id: 'c-1', name: 'Acme' }] } } };
      },
    };
    return { source, calls: () => calls, release: () => waiting.splice(0).forEach((resolve) => resolve()) };
  }
  const identity = { workerId: 'w-1', roles: ['WORKER'] as Role[] };
  const fetchOf = (query: string, context: GatewayContext = { identity, correlationId: 'c' }) =>
    ({ kind: 'incoming operation', request: { query, variables: {} }, context, incomingRequestContext: {}, document: parse(query) }) as never;

  it('gives each waiter a copy of its own: what one changes, no other sees', async () => {
    const pending = pendingSource();
    const source = inflightDedupe('crm', pending.source);
    const query = '{ customers { nodes { id name } } }';
    const first = source.process(fetchOf(query, { identity, correlationId: 'a' }));
    const second = source.process(fetchOf(query, { identity, correlationId: 'b' }));
    pending.release();
    const [one, two] = await Promise.all([first, second]);
    assert.equal(pending.calls(), 1);
    one.data!.customers.nodes[0].name = 'changed';
    assert.equal(two.data!.customers.nodes[0].name, 'Acme');
  });

  it('sends a mutation, or another identity’s query, on its own', async () => {
    const pending = pendingSource();
    const source = inflightDedupe('crm', pending.source);
    const mutation = 'mutation { createCustomer { id } }';
    const calls = [
      source.process(fetchOf(mutation)),
      source.process(fetchOf(mutation)),
      source.process(fetchOf('{ me { id } }')),
      source.process(fetchOf('{ me { id } }', { identity: { workerId: 'w-2', roles: ['WORKER'] }, correlationId: 'c' })),
    ];
    await sleep(10);
    assert.equal(pending.calls(), 4);
    pending.release();
    await Promise.all(calls);
  });

  it('once a mutation returns, a new query does not join a read that began before it', async () => {
    let calls = 0;
    const releases: Array<() => void> = [];
    const source = inflightDedupe('crm', {
      async process(options) {
        calls += 1;
        // Reads wait to be released; the mutation answers at once.
        if (!options.request.query!.startsWith('mutation')) await new Promise<void>((resolve) => releases.push(resolve));
        return { data: { calls } };
      },
    } as GraphQLDataSource<GatewayContext>);
    const query = '{ customers { nodes { id name } } }';
    const before = source.process(fetchOf(query));
    await source.process(fetchOf('mutation { renameCustomer { id } }'));
    const after = source.process(fetchOf(query));
    await sleep(10);
    assert.equal(calls, 3, 'the query after the mutation is sent, not merged into the one before it');
    releases.splice(0).forEach((release) => release());
    await Promise.all([before, after]);
  });
});

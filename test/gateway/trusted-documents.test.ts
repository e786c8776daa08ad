import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Identity, Role } from '../../lib/auth/identity.ts';
import { loadConfig } from '../../lib/config.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import type { GatewayRuntime } from '../../gateway/server.ts';
import { persistedQueryManifest, readManifest, sha256Hex } from '../../gateway/trusted-documents.ts';
import { billableWork } from '../support/demo-work.ts';
import { gatewayOver, startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { liveClient } from '../support/live-client.ts';

/** A first-party app's operations, as its .graphql files hold them. */
const appOperations = [
  `query Customers($n: Int) { customers(first: $n) { nodes { ...CustomerName } } }
   fragment CustomerName on Customer { name }`,
  `mutation LogTime($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`,
  `mutation Submit($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`,
  `mutation Approve($ids: [ID!]!) { approveTimeEntries(ids: $ids) { status } }`,
  `subscription MyEntries { timeEntryStatusChanged { id status } }`,
  // Registered, and still past demand control's cost limit: the manifest does not exempt an operation from it.
  `query EverySingleHour { customers(first: 1000) { nodes { projects(first: 1000) { nodes {
     timeEntries(first: 1000) { nodes { hours } } } } } } }`,
  // Within demand control's budget, and more than a minute's rate limit of a WORKER at 20,000 points.
  `query ProjectCodes { customers(first: 200) { nodes { projects(first: 200) { nodes { code } } } } }`,
];
const manifest = persistedQueryManifest(appOperations);
const hashOf = (name: string) => manifest.operations.find((operation) => operation.name === name)!.id;
const bodyOf = (name: string) => manifest.operations.find((operation) => operation.name === name)!.body;
const arbitrary = `{ customers(first: 2) { nodes { name } } }`;

interface Answer {
  readonly status: number;
  readonly body: { data?: any; errors?: { message: string; extensions: Record<string, unknown> }[] };
}

describe('trusted documents', () => {
  let graph: HubHarness;
  const directory = mkdtempSync(join(tmpdir(), 'psgraph-trusted-'));
  const today = new Date().toISOString().slice(0, 10);
  const work = billableWork(planDemoFirm({ scale: 1, today }), today);
  const received = new Map<string, number>();
  const subgraphCalls = () => [...received.values()].reduce((sum, count) => sum + count, 0);
  const manifestFile = (name: string, content: unknown) => {
    const path = join(directory, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  /** POSTs `body` (or GETs with it as the query string) to `url` as `as`: a WORKER of no one in particular by default. */
  async function send(url: string, body: Record<string, unknown>, as: Identity = { roles: ['WORKER'], workerId: null }, method = 'POST'): Promise<Answer> {
    const authorization = `Bearer ${await graph.token([...as.roles], as.workerId)}`;
    const search = new URLSearchParams(
      Object.entries(body).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
    );
    const response =
      method === 'GET'
        ? await fetch(`${url}?${search}`, { headers: { authorization } })
        : await fetch(url, { method, headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }
  const persisted = (name: string, variables: Record<string, unknown> = {}) => ({
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(name) } },
  });
  const customersServed = (answer: Answer) => {
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
    assert.equal(answer.body.data.customers.nodes.length, 2);
    assert.equal(typeof answer.body.data.customers.nodes[0].name, 'string');
  };
  /** Refused with `code` at `status`, without a subgraph hearing of it. */
  async function refused(request: Promise<Answer>, status: number, code: string): Promise<Answer['body']> {
    const before = subgraphCalls();
    const answer = await request;
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.equal(answer.body.data, undefined);
    assert.equal(answer.body.errors?.[0].extensions.code, code, JSON.stringify(answer.body));
    assert.equal(subgraphCalls(), before, 'no subgraph was called');
    return answer.body;
  }

  before(async () => {
    const config = loadConfig({ TRUSTED_DOCUMENTS: manifestFile('apollo.json', manifest) });
    graph = await startTestHub({ seed: { scale: 1 }, config });
    for (const [name, { runtime }] of Object.entries(graph.hub.subgraphs)) {
      runtime.httpServer.on('request', () => received.set(name, (received.get(name) ?? 0) + 1));
    }
  });
  after(async () => {
    await graph.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('runs a manifest operation named by its hash, as Apollo Client sends it, by POST and by GET', async () => {
    customersServed(await send(graph.url, persisted('Customers', { n: 2 })));
    customersServed(await send(graph.url, persisted('Customers', { n: 2 }), undefined, 'GET'));
    const upper = { ...persisted('Customers', { n: 2 }), extensions: { persistedQuery: { version: 1, sha256Hash: hashOf('Customers').toUpperCase() } } };
    customersServed(await send(graph.url, upper));
  });

  it('runs a manifest operation named by documentId, with or without its sha256: prefix, by POST and by GET', async () => {
    const variables = { n: 2 };
    customersServed(await send(graph.url, { documentId: `sha256:${hashOf('Customers')}`, variables }));
    customersServed(await send(graph.url, { documentId: hashOf('Customers'), variables }));
    customersServed(await send(graph.url, { documentId: `sha256:${hashOf('Customers')}`, variables }, undefined, 'GET'));
  });

  it('runs a manifest operation sent whole, alone or with its hash', async () => {
    customersServed(await send(graph.url, { query: bodyOf('Customers'), variables: { n: 2 } }));
    customersServed(await send(graph.url, { query: bodyOf('Customers'), ...persisted('Customers', { n: 2 }) }));
    customersServed(await send(graph.url, { query: bodyOf('Customers'), variables: { n: 2 }, documentId: `sha256:${hashOf('Customers')}` }));
  });

  it('answers an unknown hash PERSISTED_QUERY_NOT_FOUND, whoever asks', async () => {
    const unknown = sha256Hex(arbitrary);
    const byHash = { extensions: { persistedQuery: { version: 1, sha256Hash: unknown } } };
    const body = await refused(send(graph.url, byHash), 200, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal(body.errors![0].message, 'PersistedQueryNotFound');
    await refused(send(graph.url, { documentId: `sha256:${unknown}` }), 200, 'PERSISTED_QUERY_NOT_FOUND');
    await refused(send(graph.url, { documentId: 'not-a-hash' }), 200, 'PERSISTED_QUERY_NOT_FOUND');
    await refused(send(graph.url, byHash, { roles: ['ADMIN'], workerId: null }), 200, 'PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a document that is not in the manifest to a WORKER, and serves it to an ADMIN', async () => {
    for (const roles of [['WORKER'], ['WORKER', 'MANAGER'], ['FINANCE']] as Role[][]) {
      const body = await refused(send(graph.url, { query: arbitrary }, { roles, workerId: null }), 403, 'PERSISTED_QUERY_REQUIRED');
      assert.match(body.errors![0].message, /only the operations of its trusted-document manifest.*other documents are for ADMIN/);
    }
    customersServed(await send(graph.url, { query: arbitrary }, { roles: ['ADMIN'], workerId: null }));
  });

  it('registers nothing at run time: an ADMIN sending a document with its hash does not make that hash known', async () => {
    const admin = { roles: ['ADMIN'] as Role[], workerId: null };
    const byHash = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(arbitrary) } } };
    customersServed(await send(graph.url, { query: arbitrary, ...byHash }, admin));
    await refused(send(graph.url, byHash), 200, 'PERSISTED_QUERY_NOT_FOUND');
    await refused(send(graph.url, { query: arbitrary, ...byHash }), 403, 'PERSISTED_QUERY_REQUIRED');
  });

  it('refuses a hash sent with a text that does not match it', async () => {
    const mismatched = { query: arbitrary, ...persisted('Customers', { n: 2 }) };
    for (const as of [{ roles: ['WORKER'] as Role[], workerId: null }, { roles: ['ADMIN'] as Role[], workerId: null }]) {
      const body = await refused(send(graph.url, mismatched, as), 400, 'BAD_REQUEST');
      assert.match(body.errors![0].message, /does not match the hash/);
    }
    await refused(send(graph.url, { query: arbitrary, documentId: hashOf('Customers') }), 400, 'BAD_REQUEST');
    const twoHashes = { ...persisted('Customers', { n: 2 }), documentId: hashOf('LogTime') };
    await refused(send(graph.url, twoHashes), 400, 'BAD_REQUEST');
  });

  it('still applies demand control to manifest operations', async () => {
    const tooComplex = await refused(send(graph.url, persisted('EverySingleHour')), 400, 'QUERY_TOO_COMPLEX');
    assert.equal(tooComplex.errors![0].extensions.limit, 'cost');
  });

  it('serves subscriptions by hash over graphql-ws and SSE, and refuses other documents there', async () => {
    const { asWorker, asManager } = work;
    const input = { projectId: work.assignment.projectId, taskId: work.task.id, date: today, hours: '1.50' };
    const logged = await send(graph.url, persisted('LogTime', { input }), asWorker);
    assert.equal(logged.body.errors, undefined, JSON.stringify(logged.body.errors));
    const id = logged.body.data.logTimeEntry.id;
    const submitted = await send(graph.url, persisted('Submit', { ids: [id] }), asWorker);
    assert.equal(submitted.body.errors, undefined, JSON.stringify(submitted.body.errors));
    await graph.hub.settle();

    const token = await graph.token([...asWorker.roles], asWorker.workerId);
    const client = liveClient(graph.url, token);
    const stream = (body: Record<string, unknown>, signal?: AbortSignal) =>
      fetch(graph.url.replace(/\/graphql$/, '/graphql/stream'), {
        method: 'POST',
        headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
        signal,
      });
    /** The first result or error of a graphql-ws subscription; nothing within the test's patience: `{}`. */
    const firstOf = (payload: Record<string, unknown>, patienceMs = 10_000) =>
      new Promise<{ next?: any; error?: any }>((resolve) => {
        const dispose = client.subscribe(payload as { query: string }, {
          next: (next) => {
            dispose();
            resolve({ next });
          },
          error: (error) => resolve({ error }),
          complete: () => undefined,
        });
        setTimeout(() => {
          dispose();
          resolve({});
        }, patienceMs).unref();
      });
    const abort = new AbortController();
    // A stream the gateway leaves open when it should not fails the test, rather than hanging it.
    const patience = setTimeout(() => abort.abort(), 30_000);
    try {
      // graphql-ws requires a `query` string: a client naming a hash sends an empty one.
      const overWs = firstOf({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: hashOf('MyEntries') } } });
      const overSse = await stream({ documentId: `sha256:${hashOf('MyEntries')}` }, abort.signal);
      assert.equal(overSse.status, 200);
      const deadline = Date.now() + 5000;
      while (graph.hub.gateway.live!.subscriberCount < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(graph.hub.gateway.live!.subscriberCount, 2);

      const approved = await send(graph.url, persisted('Approve', { ids: [id] }), asManager);
      assert.equal(approved.body.errors, undefined, JSON.stringify(approved.body.errors));
      await graph.hub.settle();
      const expected = { timeEntryStatusChanged: { id, status: 'APPROVED' } };
      assert.deepEqual((await overWs).next?.data, expected, JSON.stringify(await overWs));
      const reader = overSse.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!/event: next\ndata: .*\n\n/.test(text)) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
      }
      assert.deepEqual(JSON.parse(/event: next\ndata: (.*)\n/.exec(text)![1]).data, expected);

      const wsRefusal = await firstOf({ query: `subscription { timeEntryStatusChanged { id hours } }` });
      assert.equal(wsRefusal.error?.[0]?.extensions?.code, 'PERSISTED_QUERY_REQUIRED', JSON.stringify(wsRefusal));
      const wsUnknown = await firstOf({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex('subscription { x }') } } });
      assert.equal(wsUnknown.error?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND', JSON.stringify(wsUnknown));
      const refusedStream = await stream({ query: `subscription { timeEntryStatusChanged { id hours } }` }, AbortSignal.timeout(10_000));
      const sseRefusal = await refusedStream.text();
      assert.equal(JSON.parse(/^event: next\ndata: (.*)\n/.exec(sseRefusal)![1]).errors[0].extensions.code, 'PERSISTED_QUERY_REQUIRED');
    } finally {
      clearTimeout(patience);
      abort.abort();
      await client.dispose();
    }
  });

  describe('with a { "<hash>": "<document>" } manifest (Hive, graphql-codegen) and other arbitrary roles', () => {
    let gateway: GatewayRuntime;
    let url: string;
    before(async () => {
      const map = Object.fromEntries(manifest.operations.map((operation) => [`sha256:${operation.id}`, operation.body]));
      const manifestPath = manifestFile('map.json', map);
      const rateLimits = { pointsPerMinute: 20_000 };
      gateway = gatewayOver(graph, { trustedDocuments: { manifestPath, arbitraryRoles: ['FINANCE'] }, rateLimits });
      url = await gateway.listen(0);
    });
    after(() => gateway.stop());

    it('runs its operations by documentId and by Apollo hash, and other documents only for the arbitrary roles', async () => {
      customersServed(await send(url, { documentId: `sha256:${hashOf('Customers')}`, variables: { n: 2 } }));
      customersServed(await send(url, persisted('Customers', { n: 2 })));
      customersServed(await send(url, { query: arbitrary }, { roles: ['FINANCE'], workerId: null }));
      const body = await refused(send(url, { query: arbitrary }, { roles: ['ADMIN'], workerId: null }), 403, 'PERSISTED_QUERY_REQUIRED');
      assert.match(body.errors![0].message, /other documents are for FINANCE/);
    });

    it('spends the rate limits on manifest operations as on any', async () => {
      // 1 + 200 × (1 + 1 + 200) = 40,401 points: the whole minute's 20,000 of this WORKER, at most, then a 429.
      const caller = { roles: ['WORKER'] as Role[], workerId: 'trusted-rate-limited' };
      const first = await send(url, persisted('ProjectCodes'), caller);
      assert.equal(first.status, 200, JSON.stringify(first.body.errors));
      const limited = await refused(send(url, persisted('ProjectCodes'), caller), 429, 'RATE_LIMITED');
      assert.match(limited.errors![0].message, /at most 20000 cost points a minute/);
    });
  });

  describe('without a manifest', () => {
    let gateway: GatewayRuntime;
    let url: string;
    before(async () => {
      gateway = gatewayOver(graph);
      url = await gateway.listen(0);
    });
    after(() => gateway.stop());

    it('runs any document, and Apollo Server persisted queries as before (registered by sending the text with its hash)', async () => {
      customersServed(await send(url, { query: arbitrary }));
      const byHash = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(arbitrary) } } };
      await refused(send(url, byHash), 200, 'PERSISTED_QUERY_NOT_FOUND');
      customersServed(await send(url, { query: arbitrary, ...byHash }));
      customersServed(await send(url, byHash));
      const documentId = await send(url, { documentId: `sha256:${hashOf('Customers')}` });
      assert.equal(documentId.status, 400, 'documentId is not read');
    });
  });

  describe('a manifest that does not check out', () => {
    const apollo = (operations: unknown[]) => ({ format: 'apollo-persisted-query-manifest', version: 1, operations });
    const starting = (content: unknown, name = 'bad.json') => () =>
      gatewayOver(graph, { trustedDocuments: { manifestPath: manifestFile(name, content) } });

    it('stops the gateway from starting, naming the entry', () => {
      const body = bodyOf('Customers');
      assert.throws(starting(apollo([{ id: sha256Hex(`${body} `), name: 'Customers', type: 'query', body }])), /is not the sha256 of its document/);
      assert.throws(starting({ [sha256Hex(arbitrary)]: bodyOf('Customers') }), /is not the sha256 of its document/);
      const sha1 = '5d41402abc4b2a76b9719d911017c592ae3f7b1c';
      assert.throws(starting({ [sha1]: arbitrary }), /is not a sha256 hash .*hashAlgorithm to "sha256"/);
      assert.throws(starting({ [sha256Hex('{ nope')]: '{ nope' }), /does not parse/);
      assert.throws(starting(apollo([])), /no operations/);
      assert.throws(starting({ format: 'other', version: 2 }), /unknown format/);
      assert.throws(starting('{ not json', 'broken.json'), /broken\.json\): not JSON/);
      assert.throws(() => gatewayOver(graph, { trustedDocuments: { manifestPath: join(directory, 'missing.json') } }), /cannot be read/);
    });

    it('reads both formats to the same documents', () => {
      const map = Object.fromEntries(manifest.operations.map((operation) => [operation.id, operation.body]));
      assert.deepEqual(readManifest(map, 'map'), readManifest(manifest, 'apollo'));
      assert.equal(readManifest(manifest, 'apollo').size, appOperations.length);
    });

    it('reads TRUSTED_DOCUMENTS and TRUSTED_DOCUMENTS_ARBITRARY_ROLES', () => {
      assert.deepEqual(loadConfig({}).trustedDocuments, { manifestPath: undefined, arbitraryRoles: ['ADMIN'] });
      const config = loadConfig({ TRUSTED_DOCUMENTS: '/etc/psgraph/app.json', TRUSTED_DOCUMENTS_ARBITRARY_ROLES: 'FINANCE,ADMIN' });
      assert.deepEqual(config.trustedDocuments, { manifestPath: '/etc/psgraph/app.json', arbitraryRoles: ['FINANCE', 'ADMIN'] });
      assert.deepEqual(loadConfig({ TRUSTED_DOCUMENTS_ARBITRARY_ROLES: 'none' }).trustedDocuments.arbitraryRoles, []);
      assert.throws(() => loadConfig({ TRUSTED_DOCUMENTS_ARBITRARY_ROLES: '*' }), /TRUSTED_DOCUMENTS_ARBITRARY_ROLES: "\*" is not a list of roles/);
    });
  });

  it('writes a manifest of an app\'s operations with the fragments each uses (npm run trusted-documents)', () => {
    const customers = manifest.operations.find((operation) => operation.name === 'Customers')!;
    assert.equal(customers.type, 'query');
    assert.match(customers.body, /^query Customers\(\$n: Int\) \{[\s\S]*\}\n\nfragment CustomerName on Customer \{\n {2}name\n\}$/);
    assert.equal(customers.id, sha256Hex(customers.body));
    assert.equal(manifest.operations.find((operation) => operation.name === 'MyEntries')!.type, 'subscription');
    assert.throws(() => persistedQueryManifest(['{ me { name } }']), /every operation needs a name/);
    assert.throws(() => persistedQueryManifest(['query A { ...Missing }']), /spreads fragment Missing, which no source defines/);
  });
});

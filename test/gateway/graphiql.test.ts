import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { examplesOf } from '../../gateway/graphiql-examples.ts';
import { IDE_CONTENT_SECURITY_POLICY } from '../../gateway/graphiql.ts';
import type { GatewayRuntime } from '../../gateway/server.ts';
import { loadConfig } from '../../lib/config.ts';
import { gatewayOver, startTestHub, type HubHarness } from '../support/hub-harness.ts';

/** What Chromium sends when the address bar opens a page; Firefox and Safari rank text/html first alike. */
const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** Debian's chromium (CI installs it in .ci/run); the browser part is skipped without it unless it is required. */
const chromiumPath = process.env.PSGRAPH_CHROMIUM ?? '/usr/bin/chromium';
const browserRequired = process.env.PSGRAPH_BROWSER_TESTS === 'required';
const browserSkip = existsSync(chromiumPath) || browserRequired
  ? false
  : `no chromium at ${chromiumPath} (apt-get install chromium, or PSGRAPH_CHROMIUM=<path>); PSGRAPH_BROWSER_TESTS=required makes this a failure`;

describe('the browser IDE (GraphiQL at GET /graphql)', () => {
  let graph: HubHarness;
  let origin: string;
  const readme = readFile(new URL('../../README.md', import.meta.url), 'utf8');

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
    origin = new URL(graph.url).origin;
  });
  after(() => graph?.close());

  /** A GET as the bytes arrive (fetch would decompress them). */
  const rawGet = (url: string, acceptEncoding: string) =>
    new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      get(url, { headers: { 'accept-encoding': acceptEncoding } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
  /** Resolves once `check` holds, polling; rejects after `ms`. */
  const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
    for (const deadline = Date.now() + ms; !(await check()); ) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${check}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const page = () => fetch(graph.url, { headers: { accept: browserAccept } });
  /** The files the page names, by their `?v=` URLs. */
  const assetUrls = async () => {
    const html = await (await page()).text();
    return [...html.matchAll(/(?:src|href)="(graphql\/ide\/[^"]+)"/g)].map((match) => new URL(match[1], graph.url).href);
  };

  describe('over HTTP', () => {
    it('answers a browser with the page, its policy allowing this origin only', async () => {
      const response = await page();
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(response.headers.get('content-security-policy'), IDE_CONTENT_SECURITY_POLICY);
      const policy = IDE_CONTENT_SECURITY_POLICY.split('; ');
      assert.ok(policy.includes("script-src 'self'") && policy.includes("connect-src 'self'") && policy.includes("frame-ancestors 'none'"));
      assert.ok(!/https?:|unsafe-inline|unsafe-eval/.test(IDE_CONTENT_SECURITY_POLICY), 'no other origin, no inline code');
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      assert.match(response.headers.get('vary') ?? '', /\baccept\b/i);
      const html = await response.text();
      assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'the page names no other host');
      assert.ok(!/<script>/.test(html), 'no inline script: the policy would refuse it');
    });

    it('embeds every README example, the same ones test/gateway/readme-examples.test.ts runs', async () => {
      const html = await (await page()).text();
      const settings = JSON.parse(/<script type="application\/json" id="psgraph-ide-settings">([\s\S]*?)<\/script>/.exec(html)![1]);
      const examples = examplesOf(await readme);
      assert.ok(examples.length >= 10);
      assert.deepEqual(settings.examples, examples);
      assert.equal(settings.subscriptions, true, 'the hub has a bus: the IDE subscribes over graphql-ws');
      assert.match(examples[0].title, /customer → projects/);
      assert.ok(examples.every(({ title, query }) => title && query.includes('{')));
    });

    it('keeps API clients on the API: 401 JSON without a token, whatever JSON type or */* they accept', async () => {
      for (const accept of [undefined, '*/*', 'application/json', 'application/graphql-response+json, application/json;q=0.9', 'application/json, text/html', 'text/html;q=0, */*']) {
        const response = await fetch(graph.url, { headers: accept ? { accept } : {} });
        assert.equal(response.status, 401, `Accept: ${accept}`);
        assert.match(response.headers.get('content-type') ?? '', /json/);
        assert.equal((await response.json()).errors[0].extensions.code, 'UNAUTHENTICATED');
      }
    });

    it('keeps a GraphQL-over-HTTP GET a query, even from a browser, and POST the API', async () => {
      const token = await graph.token(['ADMIN']);
      const query = new URLSearchParams({ query: '{ __typename }' });
      const get = await fetch(`${graph.url}?${query}`, { headers: { accept: browserAccept, authorization: `Bearer ${token}` } });
      assert.deepEqual(await get.json(), { data: { __typename: 'Query' } });
      const post = await fetch(graph.url, { method: 'POST', headers: { accept: browserAccept, 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      assert.equal(post.status, 401);
    });

    it('serves the files from the installed packages with their types, compressed, cached for good by version', async () => {
      const urls = await assetUrls();
      assert.deepEqual(urls.map((url) => new URL(url).pathname), [
        '/graphql/ide/graphiql.css',
        '/graphql/ide/ide.css',
        '/graphql/ide/react.js',
        '/graphql/ide/react-dom.js',
        '/graphql/ide/graphiql.js',
        '/graphql/ide/ide.js',
      ]);
      for (const url of urls) {
        const response = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
        assert.equal(response.status, 200, url);
        assert.equal(response.headers.get('content-type'), url.includes('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
        assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(response.headers.get('content-encoding'), 'gzip');
        const etag = response.headers.get('etag')!;
        assert.equal(etag, `"${new URL(url).searchParams.get('v')}"`);
        const revalidated = await fetch(url, { headers: { 'if-none-match': etag } });
        assert.equal(revalidated.status, 304);
      }
      const bundle = await rawGet(urls[4], 'identity');
      assert.equal(bundle.headers['content-encoding'], undefined);
      const text = bundle.body.toString('utf8');
      assert.ok(text.includes('createFetcher') && !text.includes('sourceMappingURL'), 'the GraphiQL bundle, without its source map comment');
      const gzipped = await rawGet(urls[4], 'gzip, deflate, br');
      assert.ok(gzipped.body.length < bundle.body.length / 2);
      assert.equal(gunzipSync(gzipped.body).toString('utf8'), text);
      assert.equal((await rawGet(urls[4], 'gzip;q=0, identity')).headers['content-encoding'], undefined);
    });

    it('revalidates an unversioned file, and refuses unknown files and other methods', async () => {
      const unversioned = await fetch(`${origin}/graphql/ide/ide.js`);
      assert.equal(unversioned.status, 200);
      assert.equal(unversioned.headers.get('cache-control'), 'no-cache');
      assert.equal((await fetch(`${origin}/graphql/ide/graphiql.min.js.map`)).status, 404);
      assert.equal((await fetch(`${origin}/graphql/ide/..%2f..%2fpackage.json`)).status, 404);
      assert.equal((await fetch(`${origin}/graphql/ide/toString`)).status, 404);
      const post = await fetch(`${origin}/graphql/ide/ide.js`, { method: 'POST', body: 'x' });
      assert.equal(post.status, 405);
      assert.equal((await post.json()).errors[0].extensions.code, 'BAD_USER_INPUT');
    });

    it('splits README blocks into operations and embeds them so that none can end the page\'s script', async () => {
      const markdown = [
        '```graphql\n# first: two customers\n{ customers(first: 2) { nodes { name } } }\n\n# second\n{ me { name } }\n```',
        '```js\n{ notGraphql }\n```',
        '```graphql\nmutation { upsertCustomers(inputs: []) { index } }\n```',
        '```graphql\n# a trap: </script><script>alert(1)</script>\n{ __typename }\n```',
      ].join('\n\n');
      assert.deepEqual(examplesOf(markdown), [
        { title: 'first: two customers', query: '# first: two customers\n{ customers(first: 2) { nodes { name } } }\n' },
        { title: 'second', query: '# second\n{ me { name } }\n' },
        { title: 'mutation { upsertCustomers(inputs: []) { index } }', query: 'mutation { upsertCustomers(inputs: []) { index } }\n' },
        { title: 'a trap: </script><script>alert(1)</script>', query: '# a trap: </script><script>alert(1)</script>\n{ __typename }\n' },
      ]);
      const directory = await mkdtemp(join(tmpdir(), 'psgraph-ide-'));
      const gateway = gatewayOver(graph, { graphiql: { examplesFrom: join(directory, 'EXAMPLES.md') } });
      await writeFile(join(directory, 'EXAMPLES.md'), markdown);
      const url = await gateway.listen(0, '127.0.0.1');
      try {
        const html = await (await fetch(url, { headers: { accept: browserAccept } })).text();
        assert.equal(html.match(/<\/script>/g)?.length, 5, 'the settings block and the four scripts, nothing more');
        const settings = JSON.parse(/id="psgraph-ide-settings">([\s\S]*?)<\/script>/.exec(html)![1]);
        assert.equal(settings.examples.length, 4);
        assert.equal(settings.subscriptions, false, 'no bus, no subscriptions');
      } finally {
        await gateway.stop();
        await rm(directory, { recursive: true });
      }
    });

    it('GRAPHIQL_ENABLED=false: no page, no files, a browser gets the 401', async () => {
      const config = loadConfig({ GRAPHIQL_ENABLED: 'false' });
      assert.equal(config.graphiql.enabled, false);
      assert.equal(loadConfig({}).graphiql.enabled, true);
      assert.throws(() => loadConfig({ GRAPHIQL_ENABLED: 'off' }), /GRAPHIQL_ENABLED/);
      const gateway: GatewayRuntime = gatewayOver(graph, { graphiql: config.graphiql });
      const url = await gateway.listen(0, '127.0.0.1');
      try {
        const response = await fetch(url, { headers: { accept: browserAccept } });
        assert.equal(response.status, 401);
        assert.equal((await response.json()).errors[0].extensions.code, 'UNAUTHENTICATED');
        assert.equal((await fetch(new URL('/graphql/ide/ide.js', url))).status, 404);
      } finally {
        await gateway.stop();
      }
    });
  });

  describe('in headless chromium', { skip: browserSkip }, () => {
    it('loads offline, takes a token, runs a README example and a subscription, shows the docs', { timeout: 120_000 }, async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      try {
        const context = await browser.newContext();
        const elsewhere: string[] = [];
        const local = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
        // Every request the page makes: anything for another host fails the test (and is not sent).
        await context.route('**/*', (route) => {
          const url = route.request().url();
          if (url.startsWith('data:') || local(url)) return route.continue();
          elsewhere.push(url);
          return route.abort();
        });
        const browserPage = await context.newPage();
        const problems: string[] = [];
        browserPage.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        browserPage.on('console', (message) => {
          // A policy violation (a blocked inline script or style, a refused host) is logged as an error too.
          if (message.type() === 'error') problems.push(`console: ${message.text()}`);
        });
        const sockets: string[] = [];
        const sent: any[] = [];
        browserPage.on('websocket', (socket) => {
          sockets.push(socket.url());
          socket.on('framesent', ({ payload }) => sent.push(JSON.parse(String(payload))));
        });

        await browserPage.goto(graph.url);
        await browserPage.locator('.graphiql-container').waitFor();
        assert.match(await browserPage.locator('.psgraph-token-status').innerText(), /no token/);
        await browserPage.locator('button[aria-label="Show Examples"]').click();
        const examples = browserPage.locator('.psgraph-examples li button');
        await examples.first().waitFor();
        assert.equal(await examples.count(), examplesOf(await readme).length);

        await browserPage.fill('#psgraph-token', await graph.token(['ADMIN', 'FINANCE']));
        await browserPage.getByRole('button', { name: 'Use', exact: true }).click();
        assert.match(await browserPage.locator('.psgraph-token-status').innerText(), /ADMIN, FINANCE; valid until/);
        assert.ok(await browserPage.evaluate(() => localStorage.getItem('psgraph:ide:token')));
        assert.equal(await examples.count(), examplesOf(await readme).length, 'a new token keeps the open panel');

        // The first README example, opened from the Examples panel and run with the toolbar's button.
        await examples.first().click();
        await browserPage.waitForFunction(() => (document.querySelector('.graphiql-query-editor .CodeMirror') as any)?.CodeMirror.getValue().includes('customers(first: 5'));
        await browserPage.locator('.graphiql-execute-button').click();
        const response = () => browserPage.evaluate(() => (document.querySelector('.graphiql-response .CodeMirror') as any).CodeMirror.getValue() as string);
        await browserPage.waitForFunction(() => (document.querySelector('.graphiql-response .CodeMirror') as any)?.CodeMirror.getValue().includes('"data"'));
        const result = JSON.parse(await response());
        assert.equal(result.errors, undefined, JSON.stringify(result.errors));
        assert.ok(result.data.customers.nodes.length > 0);
        assert.ok(result.data.customers.nodes[0].name);

        // The docs: GraphiQL's explorer, from the schema the token may introspect.
        await browserPage.locator('button[aria-label="Show Documentation Explorer"]').click();
        await browserPage.locator('.graphiql-doc-explorer').getByText('Subscription', { exact: true }).waitFor();

        // A subscription over graphql-ws: an ADMIN puts a project on hold elsewhere, the event arrives in the pane.
        const project = (await graph.query('{ projects(first: 1, filter: { status: [ACTIVE] }) { nodes { id code } } }')).data.projects.nodes[0];
        await browserPage.evaluate((query) => (document.querySelector('.graphiql-query-editor .CodeMirror') as any).CodeMirror.setValue(query),
          `subscription { projectStatusChanged(filter: { status: [ON_HOLD] }) { code status } }`);
        await browserPage.locator('.graphiql-execute-button').click();
        await until(() => sent.some((message) => message.type === 'subscribe'));
        assert.equal(sent[0].type, 'connection_init');
        assert.match(sent[0].payload.authorization, /^Bearer ey/, 'the token goes in connection_init');
        // The gateway takes the subscription a moment after the frame; until the event shows, resume and hold again.
        for (let attempt = 0; attempt < 5 && !(await response()).includes('ON_HOLD'); attempt++) {
          if (attempt > 0) await graph.query(`mutation($id: ID!) { resumeProject(id: $id) { status } }`, { id: project.id });
          await graph.query(`mutation($id: ID!) { holdProject(id: $id) { status } }`, { id: project.id });
          await graph.hub.settle();
          await until(async () => (await response()).includes('ON_HOLD'), 2_000).catch(() => undefined);
        }
        const event = JSON.parse(await response());
        assert.deepEqual(event.data, { projectStatusChanged: { code: project.code, status: 'ON_HOLD' } }, JSON.stringify(event));
        assert.ok(event.extensions.cursor, 'the event\'s cursor, for resuming');
        assert.deepEqual(sockets.map((url) => new URL(url).pathname), ['/graphql']);
        await graph.query(`mutation($id: ID!) { resumeProject(id: $id) { status } }`, { id: project.id });

        assert.deepEqual(elsewhere, [], 'requests outside localhost');
        assert.deepEqual(problems, []);
      } finally {
        await browser.close();
      }
    });
  });
});

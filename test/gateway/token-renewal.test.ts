import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Client } from 'graphql-ws';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { demoWorkerFor } from '../../lib/seed/demo-users.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';
import { liveClient } from '../support/live-client.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Tokens expire; a live client renews its token and resumes where it was. The demo tokens come in pairs (the MANAGER
 * token signs the manager of the WORKER token's worker), graphql-ws closes with 4401 when a token expires, a client
 * that reconnects with a fresh one and its cursor misses nothing, and the README's client snippet does exactly that.
 */
describe('token renewal on live connections, and the demo tokens', () => {
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const worker = demoWorkerFor('WORKER')!;
  const manager = demoWorkerFor('MANAGER')!;
  const activeProjects = new Set(firm.projects.filter((project) => project.status === 'ACTIVE').map((project) => project.id));
  const assignment = firm.assignments.find(
    (candidate) =>
      candidate.workerId === worker.id &&
      candidate.status === 'CONFIRMED' &&
      activeProjects.has(candidate.projectId) &&
      candidate.startDate <= today &&
      candidate.endDate >= today,
  )!;
  const task = firm.tasks.find((candidate) => candidate.projectId === assignment.projectId && candidate.billable && candidate.status === 'OPEN')!;
  const asWorker = { roles: ['WORKER' as const], workerId: worker.id };
  const asManager = { roles: ['WORKER' as const, 'MANAGER' as const], workerId: manager.id };
  let graph: HubHarness;
  const dataDir = mkdtempSync(join(tmpdir(), 'psgraph-token-'));
  /** `npm run token` and the snippet sign with the test hub's secret, and keep no secrets file in the work tree. */
  const cliEnvironment = { ...process.env, JWT_SECRET: testJwtSecret, PSGRAPH_DATA_DIR: dataDir };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(async () => {
    await graph.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** One time entry of the demo worker, logged and submitted through the gateway, its events delivered: its id. */
  async function submittedEntry(as: { roles: ('WORKER' | 'MANAGER')[]; workerId: string } | string = asWorker): Promise<string> {
    const call = (query: string, variables: Record<string, unknown>) =>
      typeof as === 'string'
        ? fetch(graph.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${as}` },
            body: JSON.stringify({ query, variables }),
          }).then((response) => response.json() as Promise<any>)
        : graph.query(query, variables, as);
    const input = { projectId: assignment.projectId, taskId: task.id, date: today, hours: '0.25' };
    const logged = await call(`mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`, { input });
    assert.equal(logged.errors, undefined, JSON.stringify(logged.errors));
    const id = logged.data.logTimeEntry.id;
    const submitted = await call(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { status } }`, { ids: [id] });
    assert.equal(submitted.errors, undefined, JSON.stringify(submitted.errors));
    await graph.hub.settle();
    return id;
  }

  it('npm run token signs a matching pair: what --role WORKER submits is in the approval queue of --role MANAGER', async () => {
    const token = async (role: string) =>
      (await promisify(execFile)('npm', ['run', '--silent', 'token', '--', '--role', role], { cwd: root, env: cliEnvironment })).stdout.trim();
    const [workerToken, managerToken] = await Promise.all([token('WORKER'), token('MANAGER')]);
    const id = await submittedEntry(workerToken);
    const asManagerCli = (query: string, variables: Record<string, unknown> = {}) =>
      fetch(graph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${managerToken}` },
        body: JSON.stringify({ query, variables }),
      }).then((response) => response.json() as Promise<any>);
    const queue = await asManagerCli(`{ approvalQueue(first: 50) { nodes { worker { id } isoWeek } } }`);
    assert.equal(queue.errors, undefined, JSON.stringify(queue.errors));
    assert.ok(queue.data.approvalQueue.nodes.some((node: any) => node.worker.id === worker.id), 'the worker is the manager\'s report');
    const approved = await asManagerCli(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { status } }`, { ids: [id] });
    assert.equal(approved.errors, undefined, JSON.stringify(approved.errors));
    assert.deepEqual(approved.data.approveTimeEntries, [{ status: 'APPROVED' }]);
    await graph.hub.settle();
  });

  it('a graphql-ws client whose token expires is closed with 4401, reconnects with a fresh token and its cursor, and misses no event', async () => {
    const received: string[] = [];
    const closes: number[] = [];
    // A first change warms the graph up, so the next ones are delivered well within the short token's life.
    await submittedEntry();
    let tokensIssued = 0;
    // The first token lives 5 seconds; the renewed one long enough.
    const freshToken = () => signBearerToken(asManager, testJwtSecret, ++tokensIssued === 1 ? '5s' : '1h');
    let token = await freshToken();
    // While closed, the client waits for its fresh token: events happen meanwhile.
    let gate: Promise<void> = Promise.resolve();
    let openGate = () => undefined as void;
    // 4401 is fatal to graphql-ws: the client never reconnects by itself; `follow` subscribes again with a fresh token.
    const client: Client = liveClient(graph.url, () => token, { on: { closed: (event) => void closes.push((event as { code: number }).code) } });
    const variables: { after: string | null } = { after: null };
    const errors: unknown[] = [];
    const follow = () =>
      client.subscribe(
        {
          query: `subscription($after: String) { timeEntryStatusChanged(filter: { status: [SUBMITTED] }, after: $after) { id } }`,
          variables,
        },
        {
          next: (result) => {
            variables.after = ((result.extensions as { cursor?: string } | undefined)?.cursor) ?? variables.after;
            received.push((result.data as any).timeEntryStatusChanged.id);
          },
          error: async (error) => {
            if ((error as { code?: number })?.code !== 4401) return void errors.push(error);
            await gate;
            token = await freshToken();
            follow();
          },
          complete: () => undefined,
        },
      );
    try {
      follow();
      await eventually(async () => assert.equal(graph.hub.gateway.live!.subscriberCount, 1));
      const first = await submittedEntry();
      await eventually(async () => assert.deepEqual(received, [first]));

      gate = new Promise<void>((resolve) => (openGate = resolve));
      await eventually(async () => assert.deepEqual(closes, [4401], 'closed when the token expired: renew it'), 10_000);
      assert.equal(graph.hub.gateway.live!.subscriberCount, 0, 'nobody is listening');
      const whileAway = await submittedEntry();
      openGate();

      await eventually(async () => assert.deepEqual(received, [first, whileAway]), 10_000);
      const afterwards = await submittedEntry();
      await eventually(async () => assert.deepEqual(received, [first, whileAway, afterwards]));
      assert.equal(tokensIssued, 2, 'one fresh token, for the new connection');
      assert.deepEqual(errors, []);
    } finally {
      await client.dispose();
      await eventually(async () => assert.equal(graph.hub.gateway.liveConnections!.total, 0));
    }
  });

  it("runs the README's graphql-ws snippet as pasted: it renews its token with npm run token and misses no event", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const live = readme.slice(readme.indexOf('## Live updates'));
    const snippet = /```js\n([\s\S]*?)```/.exec(live)![1];
    assert.match(snippet, /ws:\/\/127\.0\.0\.1:4000\/graphql/);
    const code = snippet.replace('ws://127.0.0.1:4000/graphql', graph.url.replace(/^http/, 'ws'));
    // `npm run token` signs for TOKEN_MAX_LIFETIME_SECONDS when that is shorter than 12 h: a token that expires soon.
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: root,
      env: { ...cliEnvironment, TOKEN_MAX_LIFETIME_SECONDS: '12' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (errors += chunk));
    const printed = () =>
      output
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).timeEntryStatusChanged.id as string);
    try {
      // `npm run token` takes a while to start (tsx): until then the snippet has not subscribed.
      await eventually(async () => assert.equal(graph.hub.gateway.live!.subscriberCount, 1, errors), 60_000);
      const first = await submittedEntry();
      await eventually(async () => assert.deepEqual(printed(), [first], errors));
      await eventually(async () => assert.equal(graph.hub.gateway.liveConnections!.total, 0, 'closed when its token expired'), 20_000);
      // The snippet is now getting a fresh token (npm run token takes a moment): this one happens in the gap.
      const whileAway = await submittedEntry();
      await eventually(async () => assert.deepEqual(printed(), [first, whileAway], errors), 60_000);
      const afterwards = await submittedEntry();
      await eventually(async () => assert.deepEqual(printed(), [first, whileAway, afterwards], errors));
      assert.doesNotMatch(errors, /Error/);
    } finally {
      child.kill();
    }
  });
});

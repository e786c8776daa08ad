import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildASTSchema, getNamedType, getOperationAST, isObjectType, parse } from 'graphql';
import type { Role } from '../../lib/auth/identity.ts';
import { loadConfig } from '../../lib/config.ts';
import { demoWorkerFor } from '../../lib/seed/demo-users.ts';
import {
  costDirectivesOf,
  DemandControl,
  defaultQueryLimits,
  estimateCost,
  periodCount,
  periodFields,
  readCostDirectives,
  writePrebuiltCostDirectives,
  type CostDirectives,
  type CostModel,
} from '../../gateway/demand-control/index.ts';
import { supergraphSdl } from '../../gateway/supergraph.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { liveClient } from '../support/live-client.ts';

const utilizationArgs = `from: "2026-01-01", to: "2026-03-31", groupBy: [WORKER], period: WEEK`;
/** The issue's alias bomb: 1,000 aliases of `utilization`, each a full KPI question. */
const aliases = (count: number, field: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => field(i)).join(' ');
const aliasBomb = `{ ${aliases(1000, (i) => `u${i}: utilization(${utilizationArgs}) { periodStart utilization }`)} }`;
const nested = (levels: number) => `{ me { ${'manager { '.repeat(levels)}name${' }'.repeat(levels)} } }`;
const costlyList = `{ customers(first: 1000) { nodes { projects(first: 1000) { nodes {
  timeEntries(first: 1000) { nodes { hours } } } } } } }`;
const tenYearsByDay = `{ utilization(from: "2016-01-01", to: "2025-12-31", groupBy: [WORKER], period: DAY) {
  worker { name } utilization } }`;
/** The README's first example, the deepest legitimate query there. */
const readmeDeepQuery = `{ customers(first: 5, filter: { topLevelOnly: true }) { nodes { name children { nodes { name } }
  projects(filter: { status: [ACTIVE] }) { nodes { code name manager { name }
    assignments { nodes { role { name } worker { name manager { name } } } } } } } } }`;

describe('demand control: the cost model', () => {
  const supergraph = parse(supergraphSdl());
  const directives = readCostDirectives(supergraph);
  const model: CostModel = { directives, defaultListSize: 10, mutationWeight: 10 };
  const control = new DemandControl({ supergraphSdl: supergraphSdl() });
  // The composed supergraph's own types are enough for the estimate (the gateway hands it the API schema).
  const schema = buildASTSchema(parse(supergraphSdl()), { assumeValidSDL: true });
  const cost = (query: string, variables?: Record<string, unknown>) => {
    const document = parse(query);
    return estimateCost(schema, document, getOperationAST(document)!, variables, model);
  };

  it('reads @listSize and @cost from the supergraph, and every paged field declares its list size', () => {
    assert.deepEqual(directives.listSizes.get('Query.customers'), {
      assumedSize: 50,
      slicingArguments: ['first', 'last'],
      sizedFields: ['edges', 'nodes'],
    });
    assert.equal(directives.fieldWeights.get('Project.forecast'), 5);
    const paged = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .flatMap((type) => Object.values(type.getFields()).map((field) => ({ key: `${type.name}.${field.name}`, field })))
      .filter(({ field }) => getNamedType(field.type).name.endsWith('Connection'))
      .filter(({ field }) => field.args.some((arg) => arg.name === 'first'));
    assert.ok(paged.length > 40);
    const undeclared = paged.filter(({ key }) => !directives.listSizes.has(key)).map(({ key }) => key);
    assert.deepEqual(undeclared, [], 'declare @listSize on these paged fields (schema/<name>.graphql)');
  });

  it("takes the declarations from the build's artefact for exactly this supergraph, else reads them itself", () => {
    const folder = mkdtempSync(join(tmpdir(), 'psgraph-cost-'));
    try {
      const directory = pathToFileURL(`${folder}/`);
      const sdl = supergraphSdl();
      writePrebuiltCostDirectives(sdl, directory);
      // As JSON keeps them: a list size without an assumed size has no such key there.
      const plain = (declared: CostDirectives) =>
        JSON.parse(JSON.stringify({ fields: [...declared.fieldWeights], types: [...declared.typeWeights], lists: [...declared.listSizes] }));
      assert.deepEqual(plain(costDirectivesOf(sdl, directory)), plain(directives));
      // Used as it is when the hash matches (a mark only the artefact has), passed over when the supergraph changed.
      const [artefact] = readdirSync(folder);
      assert.match(artefact, /^[0-9a-f]{64}\.cost\.json$/);
      const written = JSON.parse(readFileSync(join(folder, artefact), 'utf8')) as { fieldWeights: Array<[string, number]> };
      writeFileSync(join(folder, artefact), JSON.stringify({ ...written, fieldWeights: [...written.fieldWeights, ['Query.marked', 7]] }));
      assert.equal(costDirectivesOf(sdl, directory).fieldWeights.get('Query.marked'), 7);
      const changed = costDirectivesOf(`${sdl}\n# changed\n`, directory);
      assert.equal(changed.fieldWeights.get('Query.marked'), undefined);
      assert.deepEqual(plain(changed), plain(directives));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('knows every period field it weighs', () => {
    for (const key of Object.keys(periodFields)) {
      const [type, field] = key.split('.');
      assert.ok((schema.getType(type) as any)?.getFields()[field], `${key} is not in the supergraph`);
    }
  });

  it('weighs lists by their slicing argument, a connection by its page, else by the page the server returns', () => {
    // customers: 1 + 5 nodes × (1 + projects 1 + 3 nodes × 1)
    assert.equal(cost(`{ customers(first: 5) { nodes { projects(first: 3) { nodes { code } } } } }`), 1 + 5 * (1 + 1 + 3));
    assert.equal(cost(`{ customers { totalCount } }`), 1);
    assert.equal(cost(`{ customers { nodes { name } } }`), 1 + 50);
    assert.equal(cost(`{ customers { edges { node { name } } } }`), 1 + 50 * 2);
    assert.equal(cost(`query($n: Int) { customers(first: $n) { nodes { name } } }`, { n: 7 }), 1 + 7);
    assert.equal(cost(`query($n: Int = 3) { customers(first: $n) { nodes { name } } }`), 1 + 3);
    assert.equal(cost(`{ customers(last: 2) { nodes { name } } }`), 1 + 2);
    assert.equal(cost(costlyList), 1 + 1000 * (1 + 1 + 1000 * (1 + 1 + 1000)));
    assert.ok(cost(readmeDeepQuery) < defaultQueryLimits.maxCost);
  });

  it('weighs @cost fields, root mutations and members of abstract types', () => {
    assert.equal(cost(`{ project(id: "p") { forecast { plannedHours } } }`), 1 + 5);
    assert.equal(cost(`mutation { reopenPeriod(id: "x") { id } }`), 10);
    const subjects = `{ reconciliationExceptions(first: 1) { nodes { subjects {
      ... on TimeEntry { worker { name } project { code } } ... on Project { code } } } } }`;
    // subjects: 10 assumed × (1 + the costlier member: a TimeEntry with two references)
    assert.equal(cost(subjects), 1 + 1 * (1 + 10 * (1 + 2)));
  });

  it('weighs KPI fields by periods × groups, narrowed by the filter, and capacity by its periods', () => {
    assert.equal(periodCount('2026-01-01', '2026-12-31', 'DAY'), 365);
    assert.equal(periodCount('2026-01-01', '2026-12-31', 'MONTH'), 12);
    assert.equal(periodCount('2026-01-01', '2026-01-12', 'WEEK'), 3, 'Thu 1st: weeks of Dec 29, Jan 5 and Jan 12');
    assert.equal(periodCount('2026-03-01', '2026-01-01', 'DAY'), 1, 'a range the subgraph refuses');
    const halfYear = `from: "2026-01-01", to: "2026-06-30"`;
    assert.equal(cost(`{ utilization(${halfYear}, groupBy: [COST_CENTER], period: MONTH) { periodStart } }`), 6 * 10);
    assert.equal(cost(`{ utilization(${halfYear}, groupBy: [COST_CENTER]) { costCenter { name } } }`), 10 * 2);
    assert.equal(cost(`{ utilization(${utilizationArgs}, filter: { workerIds: ["a", "b"] }) { periodStart } }`), 14 * 2);
    assert.equal(cost(tenYearsByDay), 3653 * 50 * 2);
    const january = `from: "2026-01-01", to: "2026-01-31"`;
    assert.equal(cost(`{ worker(id: "w") { capacity(${january}, period: DAY) { hours } } }`), 1 + 31);
    // missingTimesheets pages its rows; the worker-weeks behind them are its work.
    const missing = `{ missingTimesheets(from: "2026-01-05", to: "2026-03-29", first: 10) { nodes { isoWeek } } }`;
    assert.equal(cost(missing), 12 * 50 + 1 + 10);
  });

  it('costs a fragment once per place, so a fragment bomb is estimated in milliseconds', () => {
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment F${i} on Worker { name }`
        : `fragment F${i} on Worker { ...F${i + 1} manager { ...F${i + 1} } }`,
    );
    const started = performance.now();
    const estimate = cost(`{ me { ...F0 } } ${fragments.join(' ')}`);
    assert.ok(performance.now() - started < 100);
    assert.equal(estimate, 2 ** 29, 'each level doubles what is below it');
  });

  it('reports 1,000 aliases as such once the token limit lets them be parsed', () => {
    const wide = new DemandControl({ supergraphSdl: supergraphSdl(), limits: { maxTokens: 100_000 } });
    const refused = wide.refuseSubscription(schema, { query: aliasBomb }, { workerId: null, roles: ['WORKER'] });
    assert.deepEqual(refused?.[0].extensions, { code: 'QUERY_TOO_COMPLEX', limit: 'aliases', maximum: 15, found: 1000 });
    assert.equal(control.limits.maxTokens, 5000, 'the gateway default refuses it earlier, while parsing');
  });

  it('takes its settings from the environment, per role too', () => {
    const { queryLimits } = loadConfig({
      QUERY_MAX_DEPTH: '8',
      QUERY_MAX_ALIASES: '0',
      QUERY_MAX_COST: '500',
      QUERY_MAX_COST_FINANCE: '9000',
    });
    assert.deepEqual(queryLimits, {
      maxDepth: 8,
      maxAliases: 0,
      maxRootFields: undefined,
      maxTokens: undefined,
      maxDirectives: undefined,
      maxCost: 500,
      maxCostByRole: { FINANCE: 9000 },
    });
    const limited = new DemandControl({ supergraphSdl: supergraphSdl(), limits: queryLimits });
    assert.deepEqual({ ...limited.limits }, {
      ...defaultQueryLimits,
      maxDepth: 8,
      maxAliases: 0,
      maxCost: 500,
      maxCostByRole: { ...defaultQueryLimits.maxCostByRole, FINANCE: 9000 },
    });
    assert.throws(() => loadConfig({ QUERY_MAX_COST: 'lots' }), /QUERY_MAX_COST must be a positive integer/);
  });
});

describe('demand control through the gateway', () => {
  let graph: HubHarness;
  const worker = demoWorkerFor('WORKER')!;
  const asWorker = { roles: ['WORKER'] as Role[], workerId: worker.id };
  /** HTTP requests each subgraph received, and SQL statements each ran, since `reset`. */
  const received = new Map<string, number>();
  const subgraphWork = () =>
    Object.fromEntries(
      Object.entries(graph.hub.subgraphs).map(([name, { database }]) => [
        name,
        (received.get(name) ?? 0) + database.statements.total,
      ]),
    );
  const reset = () => {
    received.clear();
    for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
  };
  const idle = { crm: 0, hcm: 0, psa: 0, time: 0, erp: 0 };

  type Caller = { roles: Role[]; workerId: string | null };
  type Answer = { data?: unknown; errors?: Array<{ message: string; extensions: Record<string, unknown> }> };

  /** POSTs as `as`, and returns the status, the body and how long the gateway took. */
  async function post(query: string, variables: Record<string, unknown> = {}, as: Caller = asWorker) {
    const authorization = `Bearer ${await graph.token(as.roles, as.workerId)}`;
    const started = performance.now();
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Answer;
    return { status: response.status, body, ms: performance.now() - started };
  }

  /** Refused with 400 and QUERY_TOO_COMPLEX naming the limit, quickly, and without a subgraph hearing of it. */
  async function assertRefused(query: string, expected: Record<string, unknown>, as?: Caller) {
    await post(`{ me { name } }`, {}, as); // warm: the token, the schema, the connections
    reset();
    const { status, body, ms } = await post(query, {}, as);
    assert.equal(status, 400, JSON.stringify(body).slice(0, 500));
    assert.equal(body.data, undefined);
    assert.equal(body.errors?.length, 1);
    assert.deepEqual(body.errors![0].extensions, { code: 'QUERY_TOO_COMPLEX', ...expected });
    assert.match(body.errors![0].message, /^Query too complex: /);
    assert.deepEqual(subgraphWork(), idle, 'no subgraph was called');
    assert.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
    return body.errors![0];
  }

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
    for (const [name, { runtime }] of Object.entries(graph.hub.subgraphs)) {
      runtime.httpServer.on('request', () => received.set(name, (received.get(name) ?? 0) + 1));
    }
  });
  after(() => graph.close());

  it('answers the README deep query within the limits', async () => {
    const { status, body } = await post(readmeDeepQuery);
    assert.equal(status, 200);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  });

  it('refuses the alias bomb (1,000 × utilization) while parsing it, by its tokens', async () => {
    await assertRefused(aliasBomb, { limit: 'tokens', maximum: 5000 });
  });

  it('refuses 20 aliases of utilization', async () => {
    const twenty = aliases(20, (i) => `u${i}: utilization(from: $f, to: $t, groupBy: [WORKER]) { utilization }`);
    reset();
    const { status, body } = await post(`query($f: Date!, $t: Date!) { ${twenty} }`, { f: '2026-01-01', t: '2026-12-31' });
    assert.equal(status, 400);
    assert.deepEqual(body.errors![0].extensions, { code: 'QUERY_TOO_COMPLEX', limit: 'aliases', maximum: 15, found: 20 });
    assert.deepEqual(subgraphWork(), idle);
  });

  it('refuses deep nesting', async () => {
    await assertRefused(nested(20), { limit: 'depth', maximum: 12, found: 22 });
  });

  it('refuses too many root fields', async () => {
    const lists = ['customers', 'opportunities', 'contracts', 'workers', 'legalEntities', 'costCenters', 'roles'];
    lists.push('workCalendars', 'leaves', 'projects', 'assignments', 'milestones', 'staffingRequests', 'timeEntries');
    lists.push('expenses', 'invoices', 'billingEvents');
    const query = `{ ${lists.map((list) => `${list} { totalCount }`).join(' ')} }`;
    await assertRefused(query, { limit: 'rootFields', maximum: 15, found: 17 });
  });

  it('refuses a huge token count', async () => {
    await assertRefused(`{ me { ${'name '.repeat(50_000)}} }`, { limit: 'tokens', maximum: 5000 });
  });

  it('refuses too many directives', async () => {
    const query = `{ me { ${'name @include(if: true) '.repeat(60)}} }`;
    await assertRefused(query, { limit: 'directives', maximum: 50, found: 60 });
  });

  it('refuses a costly list (first: 1000, three deep)', async () => {
    await assertRefused(costlyList, { limit: 'cost', maximum: 100_000, found: 1_002_002_001 });
  });

  it('refuses a KPI over ten years by day and worker, for finance too', async () => {
    await assertRefused(tenYearsByDay, { limit: 'cost', maximum: 100_000, found: 365_300 });
    const finance = { roles: ['FINANCE'] as Role[], workerId: null };
    await assertRefused(tenYearsByDay, { limit: 'cost', maximum: 250_000, found: 365_300 }, finance);
  });

  it('gives finance a larger budget: ten years of unbilled work by day and customer', async () => {
    const report = `{ unbilledWork(from: "2017-01-01", to: "2026-12-31", groupBy: [CUSTOMER], period: DAY) {
      periodStart unbilled { hours } } }`;
    await assertRefused(report, { limit: 'cost', maximum: 100_000, found: 3652 * 20 * 2 });
    const { status, body } = await post(report, {}, { roles: ['FINANCE'], workerId: null });
    assert.equal(status, 200, JSON.stringify(body.errors));
  });

  it('counts variables: the same document is cheap with a small page and refused with a large one', async () => {
    const paged = `query($n: Int) { projects(first: $n) { nodes { timeEntries(first: $n) { nodes { hours } } } } }`;
    const small = await post(paged, { n: 5 });
    assert.equal(small.status, 200, JSON.stringify(small.body.errors));
    reset();
    const large = await post(paged, { n: 500 });
    assert.equal(large.status, 400);
    const found = 1 + 500 * (1 + 1 + 500);
    const refusal = { code: 'QUERY_TOO_COMPLEX', limit: 'cost', maximum: 100_000, found };
    assert.deepEqual(large.body.errors![0].extensions, refusal);
    assert.deepEqual(subgraphWork(), idle);
  });

  it('applies the same limits to subscriptions over graphql-ws and SSE', async () => {
    const token = await graph.token(asWorker.roles, asWorker.workerId);
    const client = liveClient(graph.url, token);
    try {
      const managers = `${'manager { '.repeat(16)}name${' }'.repeat(16)}`;
      const deep = `subscription { timeEntryStatusChanged { worker { ${managers} } } }`;
      const errors = await new Promise<any>((resolve) => {
        client.subscribe({ query: deep }, { next: () => undefined, error: resolve, complete: () => resolve(null) });
      });
      assert.deepEqual(errors?.[0]?.extensions, { code: 'QUERY_TOO_COMPLEX', limit: 'depth', maximum: 12, found: 19 });
    } finally {
      await client.dispose();
    }
    const stream = await fetch(graph.url.replace('/graphql', '/graphql/stream'), {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `subscription { timeEntryStatusChanged { ${'id '.repeat(6000)}} }` }),
    });
    const text = await stream.text();
    const next = JSON.parse(/event: next\ndata: (.*)\n/.exec(text)![1]);
    assert.deepEqual(next.errors[0].extensions, { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', maximum: 5000 });
  });

  it('leaves the gateway its own operations: a live batch repeats a selection under many aliases', async () => {
    // What a live field's resolution looks like (live-fields.ts): the subscriber's selection once per entity.
    const batch = `{ ${aliases(40, (i) => `_live${i}: me { name }`)} }`;
    const identity = { workerId: worker.id, roles: ['WORKER' as const] };
    const contextValue = { identity, correlationId: randomUUID() };
    const response = await graph.hub.gateway.apollo.executeOperation({ query: batch }, { contextValue });
    assert.equal(response.body.kind, 'single');
    const result = (response.body as { singleResult: { errors?: unknown } }).singleResult;
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  });
});

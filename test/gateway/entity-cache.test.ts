import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../lib/auth/identity.ts';
import { loadConfig } from '../../lib/config.ts';
import type { RedisBus } from '../../lib/events/redis-bus.ts';
import type { DemoAssignment } from '../../lib/seed/demo-firm.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import type { GatewayRuntime } from '../../gateway/server.ts';
import { eventually } from '../support/eventually.ts';
import { gatewayOver, secondGateway, startTestHub, type HubHarness } from '../support/hub-harness.ts';

interface Caller {
  readonly roles: readonly Role[];
  readonly workerId?: string | null;
}

/** A small seeded generator (mulberry32): the same seed, the same rounds. */
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] };
}

/** What a client can compare: the data, and each error's code and path (messages carry no ids, but be strict anyway). */
const comparable = (body: { data?: unknown; errors?: Array<{ path?: unknown; extensions?: { code?: unknown } }> }) => ({
  data: body.data ?? null,
  errors: (body.errors ?? []).map((error) => ({ code: error.extensions?.code, path: error.path })),
});

/**
 * The entity cache (gateway/entity-cache/) through the gateway: answers identical to an uncached twin's after any
 * mutation, never one visibility scope's answer to another, dropped on a second gateway instance by what happens
 * through the first, and the mutating caller reads its own writes before any event arrives.
 */
describe('entity cache', () => {
  let graph: HubHarness;
  let twin: GatewayRuntime;
  let twinUrl: string;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const covering = (a: DemoAssignment) => a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today;
  const assignment = firm.assignments.find((a) => {
    const worker = firm.workers.find((w) => w.id === a.workerId);
    const manager = firm.workers.find((w) => w.id === worker?.managerId);
    return covering(a) && worker?.status === 'ACTIVE' && manager?.status === 'ACTIVE';
  })!;
  const task = firm.tasks.find((t) => t.projectId === assignment.projectId && t.billable && t.status === 'OPEN')!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const manager = firm.workers.find((w) => w.id === worker.managerId)!;
  const delegate = firm.workers.find((w) => w.status === 'ACTIVE' && w.id !== manager.id && w.id !== worker.id)!;
  const asWorker: Caller = { roles: ['WORKER'], workerId: worker.id };
  const asManager: Caller = { roles: ['MANAGER', 'WORKER'], workerId: manager.id };
  const asFinance: Caller = { roles: ['FINANCE'] };
  const asAdmin: Caller = { roles: ['ADMIN'] };

  async function ask(url: string, query: string, variables: Record<string, unknown>, as: Caller) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await graph.token([...as.roles], as.workerId ?? null)}`,
        'x-correlation-id': randomUUID(),
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: any[] };
  }

  const reads = {
    entries: `query($workerId: ID) { timeEntries(filter: { workerId: $workerId }, first: 100) { totalCount
      nodes { id status hours version notes worker { name manager { name } } project { code customer { name } } } } }`,
    everyoneVisible: `{ timeEntries(first: 50) { totalCount nodes { id hours worker { id } } } }`,
    billing: `query($workerId: ID) { timeEntries(filter: { workerId: $workerId }, first: 100) { nodes { id status billing { status } } } }`,
    financials: `query($projectId: ID!) { project(id: $projectId) { code actualHours financials { costToDate { amount currency } unbilledHours } } }`,
    queue: `{ approvalQueue(first: 50) { totalCount nodes { isoWeek submittedHours worker { name } } } }`,
    delegations: `{ approvalDelegations(first: 50) { totalCount nodes { id from to delegate { name } manager { name } } } }`,
  } as const;
  const variablesFor = { workerId: worker.id, projectId: assignment.projectId };
  const readers: readonly Caller[] = [asWorker, asManager, asFinance, asAdmin];

  /** The cached gateway's answer and the twin's to the same read as the same caller. */
  async function bothAnswer(url: string, query: string, as: Caller) {
    const [cached, uncached] = await Promise.all([ask(url, query, variablesFor, as), ask(twinUrl, query, variablesFor, as)]);
    return { cached: comparable(cached), uncached: comparable(uncached) };
  }

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, config: loadConfig({ ENTITY_CACHE: 'true' }) });
    twin = gatewayOver(graph);
    twinUrl = await twin.listen(0);
  });
  after(async () => {
    await twin?.stop();
    await graph?.close();
  });

  const cache = () => graph.hub.gateway.entityCache!;

  const mutations = {
    log: `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`,
    update: `mutation($id: ID!, $version: Int!, $hours: Decimal!) { updateTimeEntry(id: $id, expectedVersion: $version, input: { hours: $hours }) { id hours } }`,
    submit: `mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`,
    approve: `mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`,
    reject: `mutation($ids: [ID!]!) { rejectTimeEntries(ids: $ids, reason: "not this week") { id } }`,
    delegate: `mutation($input: DelegateApprovalsInput!) { delegateApprovals(input: $input) { id } }`,
  } as const;

  /** The test's own entries as they are now (read past the cache). */
  async function ownEntries(): Promise<Array<{ id: string; status: string; version: number; notes: string | null }>> {
    const { data } = await ask(twinUrl, reads.entries, { workerId: worker.id }, asWorker);
    return data.timeEntries.nodes.filter((entry: { notes: string | null }) => entry.notes?.startsWith('cache-test'));
  }

  it('answers exactly as an uncached twin, whatever mutations come between reads (seeded, many rounds)', async () => {
    // Another seed for another sequence: ENTITY_CACHE_TEST_SEED=7 node --import tsx --test test/gateway/entity-cache.test.ts
    const seed = Number(process.env.ENTITY_CACHE_TEST_SEED ?? 19);
    const random = seeded(seed);
    let mutated = 0;
    const hitsBefore = cache().stats.hits;
    for (let round = 0; round < 60; round++) {
      if (random.next() < 0.5) {
        const entries = await ownEntries();
        const withStatus = (status: string) => entries.filter((entry) => entry.status === status);
        const hours = (Math.ceil(random.next() * 4) / 4).toFixed(2);
        const kind = random.pick(['log', 'log', 'update', 'submit', 'approve', 'reject', 'delegate'] as const);
        let result: { errors?: unknown[] } | null = null;
        // Changes that publish events go, half the time, through the twin: the cached gateway hears only the events.
        // (Drafts and delegations publish none: those are only ever written through the cached gateway.)
        const announced = random.next() < 0.5 ? twinUrl : graph.url;
        if (kind === 'log' && entries.length < 16) {
          const input = { projectId: assignment.projectId, taskId: task.id, date: today, hours, notes: `cache-test ${round}` };
          result = await ask(graph.url, mutations.log, { input }, asWorker);
        } else if (kind === 'update' && withStatus('DRAFT').length > 0) {
          const entry = random.pick(withStatus('DRAFT'));
          result = await ask(graph.url, mutations.update, { id: entry.id, version: entry.version, hours }, asWorker);
        } else if (kind === 'submit' && withStatus('DRAFT').length > 0) {
          result = await ask(announced, mutations.submit, { ids: [random.pick(withStatus('DRAFT')).id] }, asWorker);
        } else if ((kind === 'approve' || kind === 'reject') && withStatus('SUBMITTED').length > 0) {
          result = await ask(announced, mutations[kind], { ids: [random.pick(withStatus('SUBMITTED')).id] }, asManager);
        } else if (kind === 'delegate') {
          const to = new Date(Date.now() + Math.ceil(random.next() * 30) * 86_400_000).toISOString().slice(0, 10);
          result = await ask(graph.url, mutations.delegate, { input: { delegateId: delegate.id, from: today, to } }, asManager);
        }
        if (result) {
          assert.equal(result.errors, undefined, `${kind}: ${JSON.stringify(result.errors)}`);
          mutated++;
          // Reads while the events are still on their way (erp posting the approval, say) fill the cache with what
          // is about to change: only the events can drop that.
          for (let read = 0; read < 3; read++) {
            await ask(graph.url, reads[random.pick(Object.keys(reads) as Array<keyof typeof reads>)], variablesFor, random.pick(readers));
          }
          // Both gateways then read the same settled state: what erp and the others did with the events included.
          await graph.hub.settle();
        }
      }
      // Each read twice on the cached gateway: the second may come from the cache, and must still match.
      for (let read = 0; read < 3; read++) {
        const name = random.pick(Object.keys(reads) as Array<keyof typeof reads>);
        const as = random.pick(readers);
        for (let again = 0; again < 2; again++) {
          const { cached, uncached } = await bothAnswer(graph.url, reads[name], as);
          assert.deepEqual(cached, uncached, `seed ${seed}, round ${round}: ${name} as ${JSON.stringify(as)}`);
        }
      }
    }
    assert.ok(mutated >= 12, `the rounds mutated (${mutated} times)`);
    assert.ok(cache().stats.hits > hitsBefore, 'reads were answered from the cache');
  });

  it('never answers one visibility scope with another scope\'s answer (worker and manager, finance and worker)', async () => {
    const second = firm.workers.find((w) => w.status === 'ACTIVE' && w.managerId === manager.id && w.id !== worker.id);
    const callers: Caller[] = [asManager, asWorker, asFinance, asWorker, ...(second ? [{ roles: ['WORKER'], workerId: second.id } as Caller] : []), asManager];
    const answers = new Map<string, string>();
    for (const query of [reads.everyoneVisible, reads.billing, reads.financials]) {
      for (const as of callers) {
        // Warmed by the caller before, so a cache keyed by anything less than the scope would hand this one theirs.
        const { cached, uncached } = await bothAnswer(graph.url, query, as);
        assert.deepEqual(cached, uncached, `${query} as ${JSON.stringify(as)}`);
        answers.set(`${query} ${JSON.stringify(as)}`, JSON.stringify(cached));
      }
    }
    // The scopes do see different things here, so the check above could fail.
    assert.notEqual(answers.get(`${reads.everyoneVisible} ${JSON.stringify(asWorker)}`), answers.get(`${reads.everyoneVisible} ${JSON.stringify(asManager)}`));
    assert.notEqual(answers.get(`${reads.billing} ${JSON.stringify(asWorker)}`), answers.get(`${reads.billing} ${JSON.stringify(asFinance)}`));
  });

  it('reads its own writes at once: the mutating caller sees them before any event arrives', async () => {
    const [entry] = (await ownEntries()).filter((candidate) => candidate.status === 'DRAFT');
    const draft = entry ?? (await (async () => {
      const input = { projectId: assignment.projectId, taskId: task.id, date: today, hours: '0.25', notes: 'cache-test ryw' };
      await ask(graph.url, mutations.log, { input }, asWorker);
      await graph.hub.settle();
      return (await ownEntries()).find((candidate) => candidate.status === 'DRAFT')!;
    })());
    const hits = cache().stats.hits;
    await ask(graph.url, reads.entries, variablesFor, asWorker);
    await ask(graph.url, reads.delegations, variablesFor, asManager);
    const warm = await ask(graph.url, reads.entries, variablesFor, asWorker);
    await ask(graph.url, reads.delegations, variablesFor, asManager);
    assert.ok(cache().stats.hits > hits, 'the reads were warm');
    const hours = warm.data.timeEntries.nodes.find((node: { id: string }) => node.id === draft.id).hours === '0.75' ? '1.25' : '0.75';
    const updated = await ask(graph.url, mutations.update, { id: draft.id, version: draft.version, hours }, asWorker);
    assert.equal(updated.errors, undefined, JSON.stringify(updated.errors));
    const read = await ask(graph.url, reads.entries, variablesFor, asWorker);
    assert.equal(read.data.timeEntries.nodes.find((node: { id: string }) => node.id === draft.id).hours, hours);
    // A delegation publishes no event at all: only the mutation itself can have dropped the cached list.
    const to = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const delegated = await ask(graph.url, mutations.delegate, { input: { delegateId: delegate.id, from: today, to } }, asManager);
    assert.equal(delegated.errors, undefined, JSON.stringify(delegated.errors));
    const delegations = await ask(graph.url, reads.delegations, variablesFor, asManager);
    assert.ok(delegations.data.approvalDelegations.nodes.some((node: { id: string }) => node.id === delegated.data.delegateApprovals.id), 'the new delegation listed');
    await graph.hub.settle();
  });

  it('a second gateway instance drops what changed through the first: by events, and by mutations that publish none', async () => {
    const redis = process.env.REDIS_URL !== undefined;
    const settings = { entityCache: { enabled: true }, subscriptions: { group: 'gateway.live.second' } };
    let bus: RedisBus | undefined;
    let other: GatewayRuntime;
    if (redis) ({ gateway: other, bus } = secondGateway(graph, settings));
    else other = gatewayOver(graph, { ...settings, bus: graph.bus });
    const otherUrl = await other.listen(0);
    try {
      const warm = async () => {
        for (let again = 0; again < 2; again++) {
          await ask(otherUrl, reads.entries, variablesFor, asWorker);
          await ask(otherUrl, reads.delegations, variablesFor, asManager);
        }
      };
      const matchesTwin = async () => {
        for (const [query, as] of [[reads.entries, asWorker], [reads.delegations, asManager]] as const) {
          const { cached, uncached } = await bothAnswer(otherUrl, query, as);
          assert.deepEqual(cached, uncached);
        }
      };
      await warm();
      assert.ok(other.entityCache!.stats.hits > 0, 'the second instance answered from its cache');
      // Through the first instance, with an event (the relay publishes it; settle waits for every group).
      const input = { projectId: assignment.projectId, taskId: task.id, date: today, hours: '0.25', notes: 'cache-test second' };
      const logged = await ask(graph.url, mutations.log, { input }, asWorker);
      assert.equal(logged.errors, undefined, JSON.stringify(logged.errors));
      await graph.hub.settle();
      await eventually(matchesTwin);
      await warm();
      // Through the first instance, without an event: the instances tell each other.
      const to = new Date(Date.now() + 50 * 86_400_000).toISOString().slice(0, 10);
      const delegated = await ask(graph.url, mutations.delegate, { input: { delegateId: delegate.id, from: today, to } }, asManager);
      assert.equal(delegated.errors, undefined, JSON.stringify(delegated.errors));
      await eventually(async () => {
        const { data } = await ask(otherUrl, reads.delegations, variablesFor, asManager);
        assert.ok(data.approvalDelegations.nodes.some((node: { id: string }) => node.id === delegated.data.delegateApprovals.id), 'the new delegation listed');
      });
      await matchesTwin();
    } finally {
      await other.stop();
      await bus?.close();
    }
  });
});

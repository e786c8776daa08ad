import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signIdentity } from '../../lib/auth/identity.ts';
import { createGraphClient } from '../../lib/graph-client.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { createGraphWorkContext } from '../../subgraphs/time/graph-work-context.ts';
import { timeSubgraph } from '../../subgraphs/time/index.ts';
import { startTestHub, testIdentitySecret, type HubHarness } from '../support/hub-harness.ts';

/** What time validates entries against, read through the gateway as a service: one request for a whole batch. */
describe('work context through the gateway', () => {
  let graph: HubHarness;
  const firm = planDemoFirm({ scale: 1, today: new Date().toISOString().slice(0, 10) });
  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  // As the time subgraph runs it (its module's service roles): bill rates and overrides are commercial data.
  const roles = timeSubgraph.serviceRoles;
  const client = () => createGraphClient({ service: 'time', url: () => graph.url, identitySecret: testIdentitySecret, roles });
  const source = () => createGraphWorkContext(client());

  it('returns the facts of projects and workers as the demo firm planned them', async () => {
    const assignment = firm.assignments.find((a) => a.status === 'CONFIRMED')!;
    const project = firm.projects.find((p) => p.id === assignment.projectId)!;
    const contract = firm.contracts.find((c) => c.id === project.contractId)!;
    const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
    const context = await source().load({ projectIds: [project.id, 'no-such-project'], workerIds: [worker.id, 'no-such-worker'] });

    const facts = context.projects.get(project.id)!;
    assert.equal(facts.status, project.status);
    assert.equal(facts.legalEntityId, project.legalEntityId);
    assert.equal(facts.contractId, contract.id);
    assert.deepEqual(
      facts.tasks.map((t) => t.id).sort(),
      firm.tasks.filter((t) => t.projectId === project.id).map((t) => t.id).sort(),
    );
    const planned = firm.assignments.filter((a) => a.projectId === project.id && a.workerId === worker.id);
    assert.deepEqual(facts.assignments.map((a) => a.id).sort(), planned.map((a) => a.id).sort());
    assert.deepEqual(
      facts.rates.map((r) => [r.roleId, r.billRate, r.effectiveFrom]).sort(),
      contract.rates.map((r) => [r.roleId, r.billRate, r.effectiveFrom]).sort(),
    );
    assert.deepEqual(context.workers.get(worker.id), {
      id: worker.id, name: worker.name, status: worker.status, hireDate: worker.hireDate, terminationDate: worker.terminationDate,
      legalEntityId: worker.legalEntityId, roleId: worker.roleId, managerId: worker.managerId,
    });
    assert.equal(context.projects.get('no-such-project'), null);
    assert.equal(context.workers.get('no-such-worker'), null);
  });

  it('costs the same SQL statements for 10 projects as for 20', async () => {
    const count = async (projects: number) => {
      for (const { database } of Object.values(graph.hub.subgraphs)) database.statements.reset();
      const projectIds = firm.projects.slice(0, projects).map((p) => p.id);
      const workerIds = firm.workers.slice(0, projects).map((w) => w.id);
      await source().load({ projectIds, workerIds });
      return Object.fromEntries(Object.entries(graph.hub.subgraphs).map(([name, { database }]) => [name, database.statements.total]));
    };
    // Both sets include assignments with a bill-rate override, whose currency psa reads in one more batched statement.
    assert.deepEqual(await count(20), await count(10));
  });

  it('the gateway accepts a service identity only when the gateway secret signed it', async () => {
    const body = JSON.stringify({ query: '{ customers { totalCount } }' });
    const ask = (headers: Record<string, string>) =>
      fetch(graph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const request = { method: 'POST', url: graph.url, body };
    assert.equal((await ask(signIdentity({ workerId: null, roles: [], service: 'time' }, 'forged', request))).status, 401);
    assert.equal((await ask(signIdentity({ workerId: 'w-1', roles: ['ADMIN'] }, testIdentitySecret, request))).status, 401, 'a signed identity without a service name is not a client credential');
    assert.equal((await ask(signIdentity({ workerId: null, roles: [], service: 'time' }, testIdentitySecret, request))).status, 200);
  });
});

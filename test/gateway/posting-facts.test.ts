import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createGraphClient } from '../../lib/graph-client.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { erpSubgraph } from '../../subgraphs/erp/index.ts';
import { createGraphPostingFacts } from '../../subgraphs/erp/posting-facts.ts';
import { startTestHub, testIdentitySecret, type HubHarness } from '../support/hub-harness.ts';

/** What erp's posting consumer reads through the gateway, as erp's service identity (FINANCE): one request per event. */
describe('posting facts through the gateway', () => {
  let graph: HubHarness;
  const firm = planDemoFirm({ scale: 1, today: new Date().toISOString().slice(0, 10) });
  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  const source = (roles = erpSubgraph.serviceRoles) =>
    createGraphPostingFacts(createGraphClient({ service: 'erp', url: () => graph.url, identitySecret: testIdentitySecret, roles }));

  it('returns the project’s contract, customer and legal entity and the worker’s cost rate on the date', async () => {
    const worker = firm.workers.find((w) => w.costRates.length > 0)!;
    const rate = worker.costRates[0];
    const project = firm.projects[0];
    const facts = await source().load(
      { projectId: project.id, costRateOf: { workerId: worker.id, date: rate.effectiveFrom } },
      { correlationId: randomUUID() },
    );
    assert.deepEqual(facts, {
      project: { id: project.id, contractId: project.contractId, customerId: project.customerId, legalEntityId: project.legalEntityId, currency: project.currency },
      // The rate's period in hcm too: erp keeps it to explain the cost (`CostPosting.explanation`).
      costRate: { amount: rate.amount, currency: rate.currency, period: { id: facts.costRate?.period?.id, effectiveFrom: rate.effectiveFrom, effectiveTo: rate.effectiveTo } },
    });
    assert.match(facts.costRate?.period?.id ?? '', /^[0-9a-f-]{36}$/);
  });

  it('answers null for an unknown project, no cost rate before the first one, and asks no cost rate for an expense', async () => {
    const worker = firm.workers.find((w) => w.costRates.length > 0)!;
    const facts = await source().load({ projectId: 'no-such-project', costRateOf: { workerId: worker.id, date: '1990-01-01' } }, { correlationId: randomUUID() });
    assert.deepEqual(facts, { project: null, costRate: null });
    const expense = await source().load({ projectId: firm.projects[0].id, costRateOf: null }, { correlationId: randomUUID() });
    assert.equal(expense.costRate, null);
    assert.equal(expense.project?.id, firm.projects[0].id);
  });

  it('needs the FINANCE service role for cost rates', async () => {
    const worker = firm.workers.find((w) => w.costRates.length > 0)!;
    await assert.rejects(
      source([]).load({ projectId: firm.projects[0].id, costRateOf: { workerId: worker.id, date: worker.costRates[0].effectiveFrom } }, { correlationId: randomUUID() }),
      /FINANCE/,
    );
  });
});

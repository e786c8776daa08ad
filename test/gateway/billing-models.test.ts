import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/** A fixed-fee milestone completed in psa becomes erp's MILESTONE billing event, seen through the gateway. */
describe('billing models through the gateway', () => {
  let graph: HubHarness;
  const firm = planDemoFirm({ scale: 1, today: new Date().toISOString().slice(0, 10) });
  const fixedFee = new Set(firm.contracts.filter((c) => c.billingMethod === 'FIXED_FEE').map((c) => c.id));
  const project = firm.projects.find((p) => p.status === 'ACTIVE' && fixedFee.has(p.contractId) && firm.milestones.some((m) => m.projectId === p.id && m.status === 'PLANNED'))!;
  const milestone = firm.milestones.find((m) => m.projectId === project.id && m.status === 'PLANNED')!;
  const contract = firm.contracts.find((c) => c.id === project.contractId)!;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('completing a milestone bills its amount once, on the contract, in its currency', async () => {
    const done = await graph.query(`mutation($id: ID!) { completeMilestone(id: $id) { status } }`, { id: milestone.id }, { roles: ['MANAGER'], workerId: project.managerId });
    assert.equal(done.errors, undefined, JSON.stringify(done.errors));

    const events = await eventually(async () => {
      const result = await graph.query(
        `query($p: ID!) { billingEvents(first: 10, filter: { projectId: $p, sourceType: MILESTONE }) { nodes { sourceId status amount { amount currency } contract { id billingSetup { billingMethod } } } } }`,
        { p: project.id },
        { roles: ['FINANCE'] },
      );
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      const nodes = result.data.billingEvents.nodes.filter((n: { sourceId: string }) => n.sourceId === milestone.id);
      assert.equal(nodes.length, 1);
      return nodes;
    });
    assert.deepEqual(events[0], {
      sourceId: milestone.id, status: 'UNBILLED', amount: { amount: milestone.amount, currency: contract.currency },
      contract: { id: contract.id, billingSetup: { billingMethod: 'FIXED_FEE' } },
    });
  });
});

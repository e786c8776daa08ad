import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/** RECONCILIATION_INTERVAL_SECONDS: erp runs the job by itself, as SCHEDULED runs, and stops with the hub. */
describe('scheduled reconciliation', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, config: loadConfig({ RECONCILIATION_INTERVAL_SECONDS: '1' }) });
  });
  after(() => graph.close());

  it('runs on its schedule without being asked', async () => {
    const run = await eventually(async () => {
      const response = await graph.query(`{ reconciliationRuns(first: 5) { nodes { trigger status requestedBy finishedAt } } }`, {}, { roles: ['FINANCE'] });
      const done = response.data.reconciliationRuns.nodes.find((r: any) => r.trigger === 'SCHEDULED' && r.status === 'COMPLETED');
      assert.ok(done, JSON.stringify(response));
      return done;
    });
    assert.equal(run.requestedBy, null);
    assert.ok(run.finishedAt);
  });

  it('refuses a bad setting at start-up, naming it', () => {
    assert.throws(() => loadConfig({ RECONCILIATION_GRACE_MINUTES: '-5' }), /RECONCILIATION_GRACE_MINUTES/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * An id argument that names nothing answers NOT_FOUND (lib/errors.ts `notFound`), never an empty result a client would
 * take for "nothing there": each field below, with an id no subgraph knows, and with a real one beside it.
 */
describe('an unknown id is NOT_FOUND, through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const unknown = '00000000-0000-4000-8000-00000000dead';
  const admin = { roles: ['ADMIN' as const] };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  /** The field's error for the id, or none. */
  const errorOf = async (query: string, variables: Record<string, unknown>) => {
    const result = await graph.query(query, variables, admin);
    return result.errors?.[0] ? { code: result.errors[0].extensions?.code, id: result.errors[0].extensions?.id, typename: result.errors[0].extensions?.typename } : null;
  };

  it('query fields: availability(roleId), timesheet(workerId), approvalQueue(managerId), payrollHours(legalEntityId)', async () => {
    const cases: Array<[string, string, Record<string, unknown>, Record<string, unknown>, string]> = [
      ['availability', `query($id: ID!) { availability(roleId: $id, from: "${today}", to: "${today}") { worker { id } } }`, { id: unknown }, { id: firm.roles[0].id }, 'Role'],
      ['timesheet', `query($id: ID!) { timesheet(workerId: $id, isoWeek: "2026-W01") { totalHours } }`, { id: unknown }, { id: firm.workers[0].id }, 'Worker'],
      ['approvalQueue', `query($id: ID!) { approvalQueue(managerId: $id, first: 1) { totalCount } }`, { id: unknown }, { id: firm.workers.find((w) => w.accessRoles.includes('MANAGER'))!.id }, 'Worker'],
      ['payrollHours', `query($id: ID!) { payrollHours(from: "2026-01-01", to: "2026-01-31", legalEntityId: $id, first: 1) { totalCount } }`, { id: unknown }, { id: firm.legalEntities[0].id }, 'LegalEntity'],
    ];
    for (const [field, query, unknownArgs, knownArgs, typename] of cases) {
      assert.deepEqual(await errorOf(query, unknownArgs), { code: 'NOT_FOUND', id: unknown, typename }, field);
      assert.equal(await errorOf(query, knownArgs), null, `${field}: a real id still answers`);
    }
  });

  it('draftInvoices(contractId | customerId | projectId) and the contract-scoped billing runs', async () => {
    const draft = `mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input) { id } }`;
    const periodEnd = '2000-01-31';
    for (const [scope, typename] of [['contractId', 'Contract'], ['customerId', 'Customer'], ['projectId', 'Project']] as const) {
      assert.deepEqual(await errorOf(draft, { input: { periodEnd, [scope]: unknown } }), { code: 'NOT_FOUND', id: unknown, typename }, scope);
    }
    const project = firm.projects.find((p) => p.status === 'ACTIVE')!;
    for (const [scope, id] of [['contractId', project.contractId], ['customerId', project.customerId], ['projectId', project.id]] as const) {
      // Nothing is unbilled before 2000: a real id answers "no drafts", not an error.
      const result = await graph.query(draft, { input: { periodEnd, [scope]: id } }, admin);
      assert.deepEqual([result.errors, result.data?.draftInvoices], [undefined, []], scope);
    }
    const runs = [
      `mutation($id: ID) { releaseScheduledBilling(asOf: "${periodEnd}", contractId: $id) { id } }`,
      `mutation($id: ID) { runPercentCompleteBilling(asOf: "${periodEnd}", contractId: $id) { id } }`,
    ];
    for (const run of runs) assert.deepEqual(await errorOf(run, { id: unknown }), { code: 'NOT_FOUND', id: unknown, typename: 'Contract' }, run);
  });
});

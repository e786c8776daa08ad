import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/** Questions that cross subgraphs, asked through the gateway of a hub seeded with the demo firm. */
describe('cross-subgraph queries on the demo firm', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await graph.query(query, variables);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };

  it('customer → projects → assignments → worker → manager (crm → psa → hcm)', async () => {
    const assignment = firm.assignments.find((a) => firm.workers.find((w) => w.id === a.workerId)?.managerId)!;
    const project = firm.projects.find((p) => p.id === assignment.projectId)!;
    const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
    const manager = firm.workers.find((w) => w.id === worker.managerId)!;
    const data = await ok(
      `query($id: ID!) { customer(id: $id) { name projects(first: 50) { nodes { id code
          assignments(first: 100) { nodes { id role { id } worker { id name manager { id name } } } } } } } }`,
      { id: project.customerId },
    );
    assert.equal(data.customer.name, firm.customers.find((c) => c.id === project.customerId)!.name);
    const found = data.customer.projects.nodes.find((p: any) => p.id === project.id);
    assert.equal(found.code, project.code);
    const staffed = found.assignments.nodes.find((a: any) => a.id === assignment.id);
    assert.deepEqual(staffed, {
      id: assignment.id,
      role: { id: assignment.roleId },
      worker: { id: worker.id, name: worker.name, manager: { id: manager.id, name: manager.name } },
    });
  });

  it('project → contract → rate card (psa → crm)', async () => {
    const project = firm.projects.find((p) => p.status === 'ACTIVE')!;
    const contract = firm.contracts.find((c) => c.id === project.contractId)!;
    const data = await ok(
      `query($id: ID!) { project(id: $id) { contract { number billingMethod currency rateCard { rates { role { id name } billRate { amount currency } effectiveFrom effectiveTo } } } } }`,
      { id: project.id },
    );
    const card = data.project.contract;
    assert.equal(card.number, contract.number);
    assert.equal(card.billingMethod, contract.billingMethod);
    const rates = card.rateCard.rates.map((r: any) => [r.role.id, r.billRate.amount, r.billRate.currency, r.effectiveFrom, r.effectiveTo]).sort();
    const planned = contract.rates.map((r) => [r.roleId, r.billRate, contract.currency, r.effectiveFrom, r.effectiveTo]).sort();
    assert.deepEqual(rates, planned);
    assert.ok(card.rateCard.rates.every((r: any) => typeof r.role.name === 'string'), 'role names come from hcm');
  });

  it('worker → time entries → project → customer (hcm → time → psa → crm), and the same totals as the plan', async () => {
    const entries = [...firm.timeEntries()];
    const workerId = entries[0].workerId;
    const mine = entries.filter((e) => e.workerId === workerId && e.status === 'APPROVED');
    const data = await ok(
      `query($id: ID!) { worker(id: $id) { name timeEntries(first: 500, filter: { status: [APPROVED] }) { totalCount
          nodes { id hours project { id customer { id name } } } } } }`,
      { id: workerId },
    );
    assert.equal(data.worker.timeEntries.totalCount, mine.length);
    const byId = new Map(mine.map((e) => [e.id, e]));
    for (const node of data.worker.timeEntries.nodes) {
      const planned = byId.get(node.id)!;
      assert.equal(node.hours, planned.hours);
      assert.equal(node.project.id, planned.projectId);
      const project = firm.projects.find((p) => p.id === planned.projectId)!;
      assert.equal(node.project.customer.id, project.customerId);
    }
  });

  it('TimeEntry.billing combines time\'s status (@requires) with erp\'s records', async () => {
    const entries = [...firm.timeEntries()];
    const pick = (test: (e: (typeof entries)[number]) => boolean) => entries.find(test)!;
    const draftBillable = pick((e) => e.billable && e.status === 'DRAFT');
    const notBillable = pick((e) => !e.billable);
    const approvedBillable = pick((e) => e.billable && e.status === 'APPROVED');
    const data = await ok(
      `query($a: ID!, $b: ID!, $c: ID!) {
        a: timeEntry(id: $a) { billing { status } } b: timeEntry(id: $b) { billing { status } } c: timeEntry(id: $c) { billing { status billingEvent { amount { amount currency } } } } }`,
      { a: draftBillable.id, b: notBillable.id, c: approvedBillable.id },
    );
    assert.equal(data.a.billing.status, 'AWAITING_APPROVAL');
    assert.equal(data.b.billing.status, 'NOT_BILLABLE');
    assert.ok(['UNBILLED', 'ON_DRAFT', 'INVOICED'].includes(data.c.billing.status), data.c.billing.status);
    assert.ok(data.c.billing.billingEvent, 'an approved billable entry has a billing event');
  });

  it('one query touches all five subgraphs', async () => {
    const project = firm.projects.find((p) => p.status === 'ACTIVE' && p.billingMethod === 'TIME_AND_MATERIALS')!;
    const approvedHours = [...firm.timeEntries()]
      .filter((e) => e.projectId === project.id && e.status === 'APPROVED')
      .reduce((sum, e) => sum + Math.round(Number(e.hours) * 100), 0);
    const data = await ok(
      `query($id: ID!) { project(id: $id) { code customer { name } manager { name legalEntity { currency } }
          actualHours financials { costToDate { amount currency } } } }`,
      { id: project.id },
    );
    assert.equal(data.project.code, project.code);
    assert.equal(data.project.actualHours, (approvedHours / 100).toFixed(2));
    assert.ok(data.project.manager.name);
    assert.ok(data.project.financials.costToDate.length >= 1, 'erp has cost postings for approved time');
  });

  it('a value a subgraph scalar refuses is BAD_USER_INPUT with the reason, as a variable or a literal', async () => {
    const asVariable = await graph.query(`query($from: Date) { timeEntries(filter: { from: $from }) { totalCount } }`, { from: 'yesterday' });
    const asLiteral = await graph.query(`{ timeEntries(filter: { from: "2026-02-30" }) { totalCount } }`);
    for (const result of [asVariable, asLiteral]) {
      assert.equal(result.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(result.errors));
      assert.match(result.errors![0].message, /Date cannot represent/);
      assert.equal(JSON.stringify(result.errors).includes('http://'), false, "the subgraph's address stays inside");
    }
  });
});

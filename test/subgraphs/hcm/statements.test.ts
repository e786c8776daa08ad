import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hcmSubgraph, type HcmDatabase } from '../../../subgraphs/hcm/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { createOrg, createWorker, fixedClock, ok, type Org } from './fixtures.ts';

/**
 * No N+1: a page of workers with their references costs the same number of SQL statements whether it holds 10 workers
 * or 50 (each reference is one batched statement). Workers differ in manager, role, cost center and calendar, so the
 * batches really grow with the page.
 */
describe('hcm statement count', () => {
  let hcm: SubgraphHarness<HcmDatabase>;
  let orgs: Org[];
  let previous: string | null = null;

  const addWorkers = async (count: number) => {
    for (let i = 0; i < count; i += 1) {
      const org = orgs[i % orgs.length];
      previous = await createWorker(hcm, org, { managerId: previous, skills: [{ skill: `Skill ${i % 7}`, level: 1 + (i % 5) }] });
    }
  };

  /** Statements one query sends (the outbox relay polls on its own, uncounted handle). */
  const statementsFor = async (query: string) => {
    hcm.database.statements.reset();
    const data = await ok(hcm, query);
    return { data, statements: hcm.database.statements.total };
  };

  before(async () => {
    hcm = await startSubgraph(hcmSubgraph, { clock: fixedClock });
    orgs = [];
    for (const code of ['A', 'B', 'C', 'D', 'E']) orgs.push(await createOrg(hcm, code));
  });
  after(() => hcm.close());

  it('workers(first: 50) with manager, role, cost center and calendar: same statements for 10 and 50 workers', async () => {
    const query = `{ workers(first: 50) { nodes { manager { name } role { name } costCenter { name } calendar { name } } } }`;
    await addWorkers(10);
    const ten = await statementsFor(query);
    assert.equal(ten.data.workers.nodes.length, 10);
    await addWorkers(40);
    const fifty = await statementsFor(query);
    assert.equal(fifty.data.workers.nodes.length, 50);
    assert.equal(fifty.data.workers.nodes.filter((node: any) => node.manager === null).length, 1);
    assert.equal(fifty.statements, ten.statements);
    assert.equal(fifty.statements, 5); // the page, then one statement per reference type
  });

  it('capacity, skills, direct reports and leave of 50 workers: a fixed number of statements', async () => {
    const query = `{ workers(first: 50) { nodes {
      capacityHours(from: "2026-03-01", to: "2026-03-31") skills { skill }
      capacity(from: "2026-03-01", to: "2026-03-31", period: WEEK) { start hours }
      directReports(first: 5) { nodes { name } } leaves(filter: { from: "2026-01-01" }) { nodes { id } } } } }`;
    const result = await statementsFor(query);
    assert.equal(result.data.workers.nodes.length, 50);
    assert.equal(result.data.workers.nodes.filter((node: any) => node.directReports.nodes.length === 1).length, 49);
    // page + (periods, calendars, holidays, approved leave) for both capacity fields (each day by the calendar in
    // effect) + skills + direct reports + leave list
    assert.equal(result.statements, 8);
  });

  it('effective-dated reads (asOf, history with capacity) of 50 workers: a fixed number of statements', async () => {
    const query = `{ workers(first: 50) { nodes {
      role(asOf: "2026-01-15") { name } manager(asOf: "2026-01-15") { name } costCenter(asOf: "2026-01-15") { name }
      legalEntity(asOf: "2026-01-15") { name } location(asOf: "2026-01-15") kind(asOf: "2026-01-15")
      history(from: "2026-01-01", to: "2026-03-31") { effectiveFrom costCenter { name } capacity(period: MONTH) { start hours } } } } }`;
    const result = await statementsFor(query);
    assert.equal(result.data.workers.nodes.length, 50);
    // page + periods + one per reference type (worker, role, cost center, legal entity, calendar) + holidays + leave
    assert.equal(result.statements, 9);
  });
});

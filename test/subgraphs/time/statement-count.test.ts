import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TimeDatabase } from '../../../subgraphs/time/index.ts';
import type { SubgraphHarness } from '../../support/subgraph-harness.ts';
import { requestStatements, startSeededTime, W } from './fixture.ts';

/**
 * Statements one request sends, so N+1 shows up as a count that grows with the page.
 */
async function statementsFor(time: SubgraphHarness<TimeDatabase>, query: string, variables: Record<string, unknown>) {
  time.database.statements.reset();
  const result = await time.call(query, variables);
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  return { count: requestStatements(time).length, data: result.data };
}

describe('time: no N+1', () => {
  let time: SubgraphHarness<TimeDatabase>;
  before(async () => {
    time = await startSeededTime();
  });
  after(() => time.close());

  it('loads a page of entries with their timesheets and histories in the same statements for 10 and 50', async () => {
    const query = `query($n: Int) { timeEntries(first: $n) { nodes { id timesheet { totalHours } approvals { action } } } }`;
    const ten = await statementsFor(time, query, { n: 10 });
    const fifty = await statementsFor(time, query, { n: 50 });
    assert.equal(ten.data.timeEntries.nodes.length, 10);
    assert.equal(fifty.data.timeEntries.nodes.length, 50);
    // The 50 entries span many worker-weeks and carry many approval records, so batching is really exercised.
    const weeks = new Set(fifty.data.timeEntries.nodes.map((node: { timesheet: { totalHours: string } }) => node.timesheet.totalHours));
    assert.ok(weeks.size > 3);
    assert.equal(ten.count, fifty.count);
    assert.equal(fifty.count, 3); // the page, the timesheet aggregate, the approval records
  });

  it('loads lists under many workers and their timesheets\' entries in the same statements for 2 and 5 workers', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker {
      timeEntries(first: 3) { totalCount nodes { id correctionOf { id } } }
      timesheets(first: 2) { nodes { totalHours entries(first: 2) { nodes { id } } } } } } }`;
    const workers = (ids: string[]) => ({ r: ids.map((id) => ({ __typename: 'Worker', id })) });
    const two = await statementsFor(time, query, workers([W.ana, W.ben]));
    const five = await statementsFor(time, query, workers([W.ana, W.ben, W.cy, W.dan, W.eve]));
    assert.equal(five.data._entities[3].timeEntries.totalCount, 40);
    assert.equal(two.count, five.count);
  });
});

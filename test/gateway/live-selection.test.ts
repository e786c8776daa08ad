import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { matchesFilter, timeEntryStatusChanged } from '../../gateway/subscriptions/live-fields.ts';
import { withSubscriptions } from '../../gateway/subscriptions/schema.ts';
import { readLiveSelection, type LiveSelection } from '../../gateway/subscriptions/selection.ts';

/** The pure parts of the live fields: filters, and the client's selection carried into the gateway's query. */
describe('live fields', () => {
  it('matches every given filter field, status as a list, unknown facts never', () => {
    const facts = { workerId: 'w1', projectId: 'p1', status: 'APPROVED' };
    assert.equal(matchesFilter({}, facts), true);
    assert.equal(matchesFilter({ workerId: 'w1', status: ['SUBMITTED', 'APPROVED'] }, facts), true);
    assert.equal(matchesFilter({ workerId: 'w2' }, facts), false);
    assert.equal(matchesFilter({ status: ['REJECTED'] }, facts), false);
    assert.equal(matchesFilter({ customerId: 'c1' }, facts), false, 'a fact not read does not match');
    assert.equal(matchesFilter({ customerId: 'c1', workerId: 'w1' }, facts, new Set(['customerId'])), true, 'skipped keys are checked elsewhere');
    assert.equal(matchesFilter({ workerId: null }, facts), true, 'null means not filtered');
  });

  it("carries the selection's fragments and only the variables it uses into the resolution query", () => {
    const schema = withSubscriptions(
      buildSchema(`type Query { timeEntries(filter: F, first: Int): C! } input F { ids: [ID!] } type C { nodes: [TimeEntry!]! }
        type TimeEntry { id: ID! status: EntryStatus! hours(rounded: Boolean): String! worker: Worker! timesheet: Timesheet! }
        type Worker { name: String! } type Timesheet { id: ID! status: EntryStatus! } type Project { id: ID! status: ProjectStatus! }
        enum EntryStatus { DRAFT SUBMITTED APPROVED REJECTED } enum ProjectStatus { ACTIVE ON_HOLD }`),
    );
    const document = parse(`subscription Live($f: TimeEntrySubscriptionFilter, $r: Boolean, $unused: Int) {
      live: timeEntryStatusChanged(filter: $f) { ...Entry } }
      fragment Entry on TimeEntry { id hours(rounded: $r) ...Who }
      fragment Who on TimeEntry { worker { name } }
      fragment Unrelated on Worker { name }`);
    const selection = readLiveSelection(schema, document, getOperationAST(document)!, { f: { status: ['APPROVED'] }, r: true, unused: 3 }) as LiveSelection;
    assert.equal(selection.responseKey, 'live');
    assert.deepEqual(selection.filter, { status: ['APPROVED'] });
    assert.deepEqual(selection.variables, { r: true });
    assert.deepEqual(selection.fragments.map((f) => f.name.value).sort(), ['Entry', 'Who']);
    const resolution = timeEntryStatusChanged.resolution(selection, ['e1', 'e2']);
    assert.match(resolution.query, /^query LiveResolution\(\$_liveIds: \[ID!\]!, \$r: Boolean\)/);
    assert.deepEqual(resolution.variables, { r: true, _liveIds: ['e1', 'e2'] });
    const data = { _live: { nodes: [{ _liveId: 'e2', hours: '1.00' }] } };
    assert.deepEqual([...resolution.nodes(data).keys()], ['e2'], 'an entry the subscriber may not see is absent');
    assert.deepEqual(resolution.locate(['_live', 'nodes', 0, 'worker', 'name'], data), { id: 'e2', rest: ['worker', 'name'] });
  });

  it('refuses a fragment at the root and bad filter values', () => {
    const schema = withSubscriptions(
      buildSchema(`type Query { a: Int } type TimeEntry { id: ID! } type Timesheet { id: ID! } type Project { id: ID! }
        enum EntryStatus { APPROVED } enum ProjectStatus { ACTIVE }`),
    );
    const rooted = parse(`subscription { ...Root } fragment Root on Subscription { timeEntryStatusChanged { id } }`);
    const refused = readLiveSelection(schema, rooted, getOperationAST(rooted)!, {}) as readonly { message: string }[];
    assert.match(refused[0].message, /exactly one subscription field/);
    const bad = parse(`subscription($f: TimeEntrySubscriptionFilter) { timeEntryStatusChanged(filter: $f) { id } }`);
    const invalid = readLiveSelection(schema, bad, getOperationAST(bad)!, { f: { status: ['NOPE'] } }) as readonly { message: string }[];
    assert.ok(invalid.length > 0);
  });
});

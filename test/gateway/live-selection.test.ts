import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { EventHistory, expired } from '../../gateway/subscriptions/history.ts';
import { invoiceStatusChanged, matchesFilter, timeEntryStatusChanged } from '../../gateway/subscriptions/live-fields.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { comparePositions, PositionClock } from '../../lib/events/position.ts';
import { withSubscriptions } from '../../gateway/subscriptions/schema.ts';
import { readLiveSelection, type LiveSelection } from '../../gateway/subscriptions/selection.ts';

const erpTypes = `type Invoice { id: ID! status: InvoiceStatus! } type BillingEvent { id: ID! status: BillingEventStatus! }
  enum InvoiceStatus { DRAFT ISSUED } enum BillingEventStatus { UNBILLED HELD }
  type ReconciliationException { id: ID! status: ReconciliationExceptionStatus! } enum ReconciliationExceptionStatus { OPEN CLEARED }`;

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
        enum EntryStatus { DRAFT SUBMITTED APPROVED REJECTED } enum ProjectStatus { ACTIVE ON_HOLD }
        ${erpTypes}`),
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
        enum EntryStatus { APPROVED } enum ProjectStatus { ACTIVE } ${erpTypes}`),
    );
    const rooted = parse(`subscription { ...Root } fragment Root on Subscription { timeEntryStatusChanged { id } }`);
    const refused = readLiveSelection(schema, rooted, getOperationAST(rooted)!, {}) as readonly { message: string }[];
    assert.match(refused[0].message, /exactly one subscription field/);
    const bad = parse(`subscription($f: TimeEntrySubscriptionFilter) { timeEntryStatusChanged(filter: $f) { id } }`);
    const invalid = readLiveSelection(schema, bad, getOperationAST(bad)!, { f: { status: ['NOPE'] } }) as readonly { message: string }[];
    assert.ok(invalid.length > 0);
  });

  it('reads `after` as a cursor and refuses anything else', () => {
    const schema = withSubscriptions(
      buildSchema(`type Query { a: Int } type TimeEntry { id: ID! } type Timesheet { id: ID! } type Project { id: ID! }
        enum EntryStatus { APPROVED } enum ProjectStatus { ACTIVE } ${erpTypes}`),
    );
    const document = parse(`subscription($after: String) { invoiceStatusChanged(after: $after) { id } }`);
    const read = (after: unknown) => readLiveSelection(schema, document, getOperationAST(document)!, { after });
    assert.equal((read('1700000000000-3') as LiveSelection).after, '1700000000000-3');
    assert.equal((read(null) as LiveSelection).after, null);
    assert.match((read('yesterday') as readonly { message: string }[])[0].message, /not a cursor/);
  });

  it('resolves invoices through one aliased invoice(id:) per invoice', () => {
    const schema = withSubscriptions(buildSchema(`type Query { invoice(id: ID!): Invoice } type TimeEntry { id: ID! } type Timesheet { id: ID! }
      type Project { id: ID! } enum EntryStatus { APPROVED } enum ProjectStatus { ACTIVE } ${erpTypes}`));
    const document = parse(`subscription { invoiceStatusChanged { status } }`);
    const selection = readLiveSelection(schema, document, getOperationAST(document)!, {}) as LiveSelection;
    const resolution = invoiceStatusChanged.resolution(selection, ['i1', 'i2']);
    assert.match(resolution.query, /_live0: invoice\(id: \$_liveId0\) \{ _liveId: id _liveStatus: status status \}/);
    assert.deepEqual(resolution.variables, { _liveId0: 'i1', _liveId1: 'i2' });
    const data = { _live0: null, _live1: { _liveId: 'i2', status: 'ISSUED' } };
    assert.deepEqual([...resolution.nodes(data)], [['i1', null], ['i2', { _liveId: 'i2', status: 'ISSUED' }]]);
    assert.deepEqual(resolution.locate(['_live1', 'customer'], data), { id: 'i2', rest: ['customer'] });
  });
});

describe('event positions and the replay history', () => {
  const event = (n: number): DomainEvent =>
    createEvent('time', 'time.entry.approved', { typename: 'TimeEntry', id: `e${n}` }, {}, { correlationId: 'c' }, new Date()) as DomainEvent;

  it('numbers events like Redis stream ids: increasing, also within one millisecond and if the clock steps back', () => {
    const clock = new PositionClock();
    const positions = [clock.next(1000), clock.next(1000), clock.next(999), clock.next(1001)];
    assert.deepEqual(positions, ['1000-0', '1000-1', '1000-2', '1001-0']);
    for (let i = 1; i < positions.length; i++) assert.equal(comparePositions(positions[i - 1], positions[i]), -1);
    assert.equal(comparePositions('9-0', '10-0'), -1, 'numerically, not as text');
  });

  it('returns what came after a cursor; a cursor before what it holds has expired (count and age)', async () => {
    let now = 10_000;
    const history = new EventHistory({ maxEvents: 3, retentionMs: 1000, types: ['time.entry.approved'], now: () => now });
    assert.equal(await history.after('5000-0'), expired, 'nothing recorded yet: not a cursor of this gateway');
    for (let n = 1; n <= 3; n++) history.record(`${10_000 + n}-0`, event(n));
    assert.deepEqual((await history.after('10001-0') as { position: string }[]).map((e) => e.position), ['10002-0', '10003-0']);
    assert.equal((await history.after('10000-99999999999') as unknown[]).length, 3);
    history.record('10004-0', event(4));
    assert.equal(await history.after('10000-99999999999'), expired, 'the first was dropped (count)');
    assert.equal((await history.after('10001-0') as unknown[]).length, 3, 'a cursor at the dropped event still resumes exactly');
    now += 5000;
    assert.equal(await history.after('10001-0'), expired, 'dropped by age');
    assert.deepEqual(await history.after('10004-0'), [], 'nothing lost after the newest: resumes, with nothing to replay');
  });

  it('reads cursors older than its own record from a bus that retains history', async () => {
    const stream = [1, 2, 3, 4].map((n) => ({ position: `${20_000 + n}-0`, event: event(n) }));
    const bus = {
      readAfter: async (position: string, count: number) =>
        comparePositions(position, '20000-0') < 0 ? null : stream.filter((e) => comparePositions(e.position, position) > 0).slice(0, count),
    };
    const history = new EventHistory({ maxEvents: 10, retentionMs: 60_000, types: ['time.entry.approved'], bus, now: () => 20_010 });
    history.record('20003-0', event(3));
    history.record('20004-0', event(4));
    assert.deepEqual((await history.after('20001-0') as { position: string }[]).map((e) => e.position), ['20002-0', '20003-0', '20004-0']);
    assert.equal(await history.after('19999-0'), expired, 'trimmed from the bus');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { timeSubgraph, type TimeDatabase } from '../../../subgraphs/time/index.ts';
import { startSubgraph, type SubgraphHarness } from '../../support/subgraph-harness.ts';
import { ana, codeOf, finance } from './fixture.ts';

const lockFields = `id legalEntity { id } periodStart periodEnd status closedAt closedBy { id } reopenedAt reopenedBy { id }`;
const close = `mutation($le: ID!, $start: Date!, $end: Date!, $key: String) {
  closePeriod(legalEntityId: $le, periodStart: $start, periodEnd: $end, idempotencyKey: $key) { ${lockFields} } }`;
const reopen = `mutation($id: ID!) { reopenPeriod(id: $id) { ${lockFields} } }`;

describe('period locks: close and reopen', () => {
  let time: SubgraphHarness<TimeDatabase>;
  before(async () => {
    time = await startSubgraph(timeSubgraph);
  });
  after(() => time.close());

  const outboxTypes = async () =>
    (await time.database.db.selectFrom('outbox').select(['type', 'subject_id', 'data']).orderBy('seq').execute());

  it('closes a period, refuses overlaps and double closes, reopens and closes it again', async () => {
    const closed = await time.call(close, { le: 'le-de', start: '2026-11-01', end: '2026-11-30' }, finance);
    assert.equal(closed.errors, undefined, JSON.stringify(closed.errors));
    const lock = closed.data.closePeriod;
    assert.deepEqual({ ...lock, id: undefined, closedAt: undefined }, {
      id: undefined, legalEntity: { id: 'le-de' }, periodStart: '2026-11-01', periodEnd: '2026-11-30', status: 'CLOSED',
      closedAt: undefined, closedBy: { id: 'w-fin' }, reopenedAt: null, reopenedBy: null,
    });

    const overlap = await time.call(close, { le: 'le-de', start: '2026-11-30', end: '2026-12-31' }, finance);
    assert.equal(codeOf(overlap), 'CONFLICT');
    const again = await time.call(close, { le: 'le-de', start: '2026-11-01', end: '2026-11-30' }, finance);
    assert.equal(codeOf(again), 'INVALID_TRANSITION');
    const otherEntity = await time.call(close, { le: 'le-us', start: '2026-11-01', end: '2026-11-30' }, finance);
    assert.equal(otherEntity.data.closePeriod.status, 'CLOSED');

    const reopened = await time.call(reopen, { id: lock.id }, finance);
    assert.deepEqual([reopened.data.reopenPeriod.status, reopened.data.reopenPeriod.reopenedBy], ['OPEN', { id: 'w-fin' }]);
    const twice = await time.call(reopen, { id: lock.id }, finance);
    assert.equal(codeOf(twice), 'INVALID_TRANSITION');

    // A reopened lock no longer blocks an overlapping close; closing its own period again reuses it.
    const reclosed = await time.call(close, { le: 'le-de', start: '2026-11-01', end: '2026-11-30' }, finance);
    assert.deepEqual([reclosed.data.closePeriod.id, reclosed.data.closePeriod.status], [lock.id, 'CLOSED']);

    const events = (await outboxTypes()).filter((event) => event.subject_id === lock.id);
    assert.deepEqual(events.map((event) => event.type), ['time.period.closed', 'time.period.reopened', 'time.period.closed']);
    assert.deepEqual({ ...(events[0].data as Record<string, unknown>), closedAt: undefined }, {
      periodLockId: lock.id, legalEntityId: 'le-de', periodStart: '2026-11-01', periodEnd: '2026-11-30', closedBy: 'w-fin', closedAt: undefined,
    });
  });

  it('refuses bad input and unknown locks, and writes nothing', async () => {
    const before = (await outboxTypes()).length;
    const backwards = await time.call(close, { le: 'le-fr', start: '2026-11-30', end: '2026-11-01' }, finance);
    assert.equal(codeOf(backwards), 'BAD_USER_INPUT');
    const notADate = await time.call(close, { le: 'le-fr', start: '2026-02-30', end: '2026-03-31' }, finance);
    assert.equal(codeOf(notADate), 'BAD_USER_INPUT');
    const blank = await time.call(close, { le: '  ', start: '2026-11-01', end: '2026-11-30' }, finance);
    assert.equal(codeOf(blank), 'BAD_USER_INPUT');
    const missing = await time.call(reopen, { id: 'no-such-lock' }, finance);
    assert.equal(codeOf(missing), 'NOT_FOUND');
    assert.equal((await outboxTypes()).length, before);
    const locks = await time.call(`{ periodLocks(filter: { legalEntityId: "le-fr" }) { totalCount } }`);
    assert.equal(locks.data.periodLocks.totalCount, 0);
  });

  it('lets only finance and admins close or reopen', async () => {
    const denied = await time.call(close, { le: 'le-nl', start: '2026-10-01', end: '2026-10-31' }, ana);
    assert.equal(codeOf(denied), 'FORBIDDEN');
    const asAdmin = await time.call(close, { le: 'le-nl', start: '2026-10-01', end: '2026-10-31' });
    assert.deepEqual([asAdmin.data.closePeriod.status, asAdmin.data.closePeriod.closedBy], ['CLOSED', null]);
    const reopenDenied = await time.call(reopen, { id: asAdmin.data.closePeriod.id }, ana);
    assert.equal(codeOf(reopenDenied), 'FORBIDDEN');
  });

  it('returns the first result for a retried idempotency key', async () => {
    const variables = { le: 'le-be', start: '2026-09-01', end: '2026-09-30', key: 'close-be-sep' };
    const first = await time.call(close, variables, finance);
    const retry = await time.call(close, variables, finance);
    assert.equal(retry.errors, undefined);
    assert.equal(retry.data.closePeriod.id, first.data.closePeriod.id);
    const reused = await time.call(close, { ...variables, end: '2026-09-29' }, finance);
    assert.equal(codeOf(reused), 'IDEMPOTENCY_KEY_REUSED');
  });

  it('lists locks by legal entity, status and overlapping dates, newest period first, for every caller', async () => {
    const list = async (filter: Record<string, unknown>) => {
      const result = await time.call(`query($f: PeriodLockFilter) { periodLocks(filter: $f) { totalCount nodes { legalEntity { id } periodStart status } } }`, { f: filter }, ana);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      return result.data.periodLocks.nodes.map((node: { legalEntity: { id: string }; periodStart: string; status: string }) => `${node.legalEntity.id} ${node.periodStart} ${node.status}`);
    };
    assert.deepEqual(await list({ legalEntityId: 'le-de' }), ['le-de 2026-11-01 CLOSED']);
    assert.deepEqual(await list({ from: '2026-09-15', to: '2026-10-15' }), ['le-nl 2026-10-01 CLOSED', 'le-be 2026-09-01 CLOSED']);
    assert.deepEqual(await list({ status: 'OPEN' }), []);
    const byId = await time.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on PeriodLock { periodStart } } }`, {
      r: [{ __typename: 'PeriodLock', id: (await time.database.db.selectFrom('period_lock').select('id').where('legal_entity_id', '=', 'le-be').executeTakeFirstOrThrow()).id }],
    });
    assert.deepEqual(byId.data._entities, [{ periodStart: '2026-09-01' }]);
  });
});

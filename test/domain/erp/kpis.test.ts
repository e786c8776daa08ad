import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { agingBucketBounds, agingBuckets, checkKpiQuestion, needsCostCenters, periodStartingOn } from '../../../subgraphs/erp/domain/kpis.ts';

const range = { from: '2026-03-01', to: '2026-03-31', asOf: '2026-04-30' };
const refusedField = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof DomainError);
    assert.equal(error.code, 'BAD_USER_INPUT');
    return (error.details as { field?: string } | undefined)?.field;
  }
  assert.fail('expected BAD_USER_INPUT');
};

describe('KPI questions', () => {
  it('unbilled work takes every dimension, each once, in the order asked', () => {
    const question = checkKpiQuestion('unbilledWork', { ...range, groupBy: ['PROJECT', 'WORKER', 'PROJECT', 'COST_CENTER'] });
    assert.deepEqual(question.groupBy, ['PROJECT', 'WORKER', 'COST_CENTER']);
    assert.equal(needsCostCenters(question), true);
  });

  it('invoice cycle time takes customer, legal entity and project only, as dimensions and as filters', () => {
    assert.deepEqual(checkKpiQuestion('invoiceCycleTime', { ...range, groupBy: ['CUSTOMER', 'LEGAL_ENTITY', 'PROJECT'] }).groupBy, ['CUSTOMER', 'LEGAL_ENTITY', 'PROJECT']);
    for (const dimension of ['WORKER', 'ROLE', 'COST_CENTER'] as const) {
      assert.equal(refusedField(() => checkKpiQuestion('invoiceCycleTime', { ...range, groupBy: [dimension] })), 'groupBy');
    }
    assert.equal(refusedField(() => checkKpiQuestion('invoiceCycleTime', { ...range, groupBy: [], filter: { roleIds: ['r-1'] } })), 'filter.roleIds');
    assert.deepEqual(checkKpiQuestion('invoiceCycleTime', { ...range, groupBy: [], filter: { customerIds: ['c1', 'c1'], projectIds: [] } }).filter, { customerIds: ['c1'] });
  });

  it('an empty filter list narrows nothing; cost centers are needed only when grouped or filtered by them', () => {
    const question = checkKpiQuestion('unbilledWork', { ...range, groupBy: ['CUSTOMER'], filter: { costCenterIds: [], workerIds: ['w1'] } });
    assert.deepEqual(question.filter, { workerIds: ['w1'] });
    assert.equal(needsCostCenters(question), false);
    assert.equal(needsCostCenters(checkKpiQuestion('unbilledWork', { ...range, groupBy: [], filter: { costCenterIds: ['cc'] } })), true);
  });

  it('cuts the range into periods clipped to it, or keeps it whole', () => {
    // 2026-03-01 is a Sunday: the first ISO week holds that day only; the last ends on the 31st (a Tuesday).
    const weeks = checkKpiQuestion('unbilledWork', { ...range, groupBy: [], period: 'WEEK' }).periods;
    assert.deepEqual(weeks.map((p) => `${p.start}..${p.end}`), [
      '2026-03-01..2026-03-01', '2026-03-02..2026-03-08', '2026-03-09..2026-03-15', '2026-03-16..2026-03-22', '2026-03-23..2026-03-29', '2026-03-30..2026-03-31',
    ]);
    const whole = checkKpiQuestion('unbilledWork', { ...range, groupBy: [] });
    assert.deepEqual(whole.periods, [{ start: '2026-03-01', end: '2026-03-31' }]);
    assert.deepEqual(periodStartingOn(whole, '2026-03-01'), { start: '2026-03-01', end: '2026-03-31' });
    assert.throws(() => periodStartingOn(whole, '2026-03-02'));
    assert.equal(refusedField(() => checkKpiQuestion('unbilledWork', { ...range, from: '2026-04-01', groupBy: [] })), 'to');
    assert.equal(refusedField(() => checkKpiQuestion('unbilledWork', { from: '2000-01-01', to: '2026-12-31', asOf: '2026-12-31', groupBy: [], period: 'DAY' })), 'to');
  });

  it('ages in four buckets, the first also holding events dated after asOf', () => {
    assert.deepEqual(agingBuckets.map((b) => [b.fromDays, b.toDays]), [[0, 30], [31, 60], [61, 90], [91, null]]);
    assert.deepEqual([0, 1, 2, 3].map(agingBucketBounds), [{ min: null, max: 30 }, { min: 31, max: 60 }, { min: 61, max: 90 }, { min: 91, max: null }]);
  });
});

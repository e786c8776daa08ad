import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertReopen, planClose, type LockedPeriod } from '../../../subgraphs/time/domain/period-lock.ts';

const lock = (id: string, periodStart: string, periodEnd: string, status: 'OPEN' | 'CLOSED'): LockedPeriod => ({
  id,
  periodStart,
  periodEnd,
  status,
});

const withCode = (code: string) => (error: { code?: string }) => error.code === code;

describe('closing a period', () => {
  const november = ['2026-11-01', '2026-11-30'] as const;
  const cases: Array<[why: string, overlapping: LockedPeriod[], expected: ReturnType<typeof planClose> | string]> = [
    ['no lock yet → a new lock', [], { kind: 'create' }],
    ['the same period reopened earlier → closes that lock again', [lock('a', ...november, 'OPEN')], { kind: 'reclose', id: 'a' }],
    ['the same period already closed', [lock('a', ...november, 'CLOSED')], 'INVALID_TRANSITION'],
    ['a closed period sharing one day', [lock('b', '2026-11-30', '2026-12-31', 'CLOSED')], 'CONFLICT'],
    ['a closed period inside it', [lock('c', '2026-11-10', '2026-11-12', 'CLOSED')], 'CONFLICT'],
    ['a reopened period overlapping it does not block', [lock('d', '2026-10-15', '2026-11-15', 'OPEN')], { kind: 'create' }],
    [
      'the same period reopened, but another closed lock overlaps',
      [lock('a', ...november, 'OPEN'), lock('e', '2026-11-15', '2026-11-20', 'CLOSED')],
      'CONFLICT',
    ],
  ];
  for (const [why, overlapping, expected] of cases) {
    it(why, () => {
      if (typeof expected === 'string') assert.throws(() => planClose(overlapping, ...november), withCode(expected));
      else assert.deepEqual(planClose(overlapping, ...november), expected);
    });
  }

  it('refuses a period that ends before it starts', () => {
    assert.throws(() => planClose([], '2026-11-30', '2026-11-01'), withCode('BAD_USER_INPUT'));
  });

  it('accepts a one-day period', () => {
    assert.deepEqual(planClose([], '2026-11-30', '2026-11-30'), { kind: 'create' });
  });
});

describe('reopening a period', () => {
  it('reopens a closed period and refuses an open one', () => {
    assert.doesNotThrow(() => assertReopen(lock('a', '2026-11-01', '2026-11-30', 'CLOSED')));
    assert.throws(() => assertReopen(lock('a', '2026-11-01', '2026-11-30', 'OPEN')), withCode('INVALID_TRANSITION'));
  });
});

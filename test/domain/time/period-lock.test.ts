import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertReopen, beginningOfTime, lockedSpans, planClose, type LockedPeriod } from '../../../subgraphs/time/domain/period-lock.ts';

const lock = (id: string, periodStart: string, periodEnd: string, status: 'OPEN' | 'CLOSED'): LockedPeriod => ({
  id,
  periodStart,
  periodEnd,
  status,
});

const withCode = (code: string) => (error: { code?: string }) => error.code === code;

describe('closing a period', () => {
  const november = ['2026-11-01', '2026-11-30'] as const;
  const cases: Array<[why: string, locks: LockedPeriod[], expected: ReturnType<typeof planClose> | string]> = [
    ['no lock yet → a new lock', [], { kind: 'create' }],
    ['the same period reopened earlier → closes that lock again', [lock('a', ...november, 'OPEN')], { kind: 'reclose', id: 'a' }],
    ['the same period already closed', [lock('a', ...november, 'CLOSED')], 'INVALID_TRANSITION'],
    ['a closed period sharing one day', [lock('b', '2026-11-30', '2026-12-31', 'CLOSED')], 'CONFLICT'],
    ['a closed period inside it', [lock('c', '2026-11-10', '2026-11-12', 'CLOSED')], 'CONFLICT'],
    ['a reopened period inside and after it does not block', [lock('d', '2026-11-10', '2026-12-15', 'OPEN')], { kind: 'create' }],
    ['a reopened period with days before it: close that one again first', [lock('d', '2026-10-15', '2026-11-15', 'OPEN')], 'CONFLICT'],
    ['a reopened earlier month', [lock('o', '2026-10-01', '2026-10-31', 'OPEN'), lock('s', '2026-09-01', '2026-09-30', 'CLOSED')], 'CONFLICT'],
    [
      'a reopened earlier month closed again under a longer period is history',
      [lock('o', '2026-10-01', '2026-10-31', 'OPEN'), lock('q', '2026-09-01', '2026-10-31', 'CLOSED')],
      { kind: 'create' },
    ],
    ['a month nobody closed before it is no reason to refuse: closing locks it too', [lock('s', '2026-09-01', '2026-09-30', 'CLOSED')], { kind: 'create' }],
    [
      'the same period reopened, but another closed lock overlaps',
      [lock('a', ...november, 'OPEN'), lock('e', '2026-11-15', '2026-11-20', 'CLOSED')],
      'CONFLICT',
    ],
  ];
  for (const [why, locks, expected] of cases) {
    it(why, () => {
      if (typeof expected === 'string') assert.throws(() => planClose(locks, ...november), withCode(expected));
      else assert.deepEqual(planClose(locks, ...november), expected);
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

describe('the days closed periods lock', () => {
  const spans = (locks: LockedPeriod[]) => lockedSpans(locks).map((span) => `${span.lock.id} ${span.from}..${span.to}${span.earlier ? ' earlier' : ''}`);

  it('closing a month locks every earlier day no period covers, with it', () => {
    assert.deepEqual(spans([lock('nov', '2026-11-01', '2026-11-30', 'CLOSED')]), [`nov ${beginningOfTime}..2026-10-31 earlier`, 'nov 2026-11-01..2026-11-30']);
  });

  it('a gap between closed periods belongs to the one after it', () => {
    assert.deepEqual(spans([lock('nov', '2026-11-01', '2026-11-30', 'CLOSED'), lock('sep', '2026-09-01', '2026-09-30', 'CLOSED')]), [
      `sep ${beginningOfTime}..2026-08-31 earlier`,
      'sep 2026-09-01..2026-09-30',
      'nov 2026-10-01..2026-10-31 earlier',
      'nov 2026-11-01..2026-11-30',
    ]);
  });

  it('a reopened period stays open behind a later closed one; nothing after the last closed period is locked', () => {
    const locks = [lock('nov', '2026-11-01', '2026-11-30', 'CLOSED'), lock('oct', '2026-10-01', '2026-10-31', 'OPEN'), lock('dec', '2026-12-01', '2026-12-31', 'OPEN')];
    assert.deepEqual(spans(locks), [`nov ${beginningOfTime}..2026-09-30 earlier`, 'nov 2026-11-01..2026-11-30']);
  });

  it('a reopened period inside a gap splits it; one a closed period covers opens nothing', () => {
    const locks = [
      lock('dec', '2026-12-01', '2026-12-31', 'CLOSED'),
      lock('oct', '2026-10-10', '2026-10-20', 'OPEN'),
      lock('aug', '2026-08-01', '2026-08-31', 'CLOSED'),
      lock('aug-reopened-then-closed-again', '2026-08-01', '2026-08-15', 'OPEN'),
    ];
    assert.deepEqual(spans(locks), [
      `aug ${beginningOfTime}..2026-07-31 earlier`,
      'aug 2026-08-01..2026-08-31',
      'dec 2026-09-01..2026-10-09 earlier',
      'dec 2026-10-21..2026-11-30 earlier',
      'dec 2026-12-01..2026-12-31',
    ]);
  });
});

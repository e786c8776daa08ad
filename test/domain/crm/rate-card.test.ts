import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertNoOverlap, rateOn, type EffectiveRate } from '../../../subgraphs/crm/domain/rate-card.ts';

const rate = (roleId: string, effectiveFrom: string, effectiveTo: string | null, billRate = '100.00') => ({ roleId, effectiveFrom, effectiveTo, billRate });
const card = [rate('dev', '2026-01-01', '2026-06-30', '100.00'), rate('dev', '2026-07-01', null, '110.00'), rate('pm', '2026-01-01', null, '150.00')];

describe('rate card', () => {
  const overlapCases: Array<[string, EffectiveRate, boolean]> = [
    ['same role, inside an open-ended rate', rate('dev', '2027-01-01', null), true],
    ['same role, touching the last day', rate('dev', '2026-06-30', '2026-06-30'), true],
    ['another role, same dates', rate('analyst', '2026-01-01', null), false],
    ['same role, before every rate', rate('pm', '2025-01-01', '2025-12-31'), false],
  ];
  for (const [name, added, overlaps] of overlapCases) {
    it(`overlap: ${name}`, () => {
      if (overlaps) assert.throws(() => assertNoOverlap(card, [added]), { code: 'CONFLICT' });
      else assert.doesNotThrow(() => assertNoOverlap(card, [added]));
    });
  }

  it('refuses two overlapping rates in one input and a period that ends before it starts', () => {
    assert.throws(() => assertNoOverlap([], [rate('qa', '2026-01-01', null), rate('qa', '2026-03-01', null)]), { code: 'CONFLICT' });
    assert.throws(() => assertNoOverlap([], [rate('qa', '2026-03-01', '2026-02-01')]), { code: 'BAD_USER_INPUT' });
  });

  const lookups: Array<[string, string, string | null]> = [
    ['dev', '2026-01-01', '100.00'],
    ['dev', '2026-06-30', '100.00'],
    ['dev', '2026-07-01', '110.00'],
    ['dev', '2025-12-31', null],
    ['pm', '2030-05-05', '150.00'],
    ['analyst', '2026-05-05', null],
  ];
  for (const [role, date, expected] of lookups) {
    it(`rate of ${role} on ${date} is ${expected}`, () => assert.equal(rateOn(card, role, date)?.billRate ?? null, expected));
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { assertNoOverlap, costRateOn, type EffectivePeriod } from '../../../subgraphs/hcm/domain/cost-rate.ts';

const period = (effectiveFrom: string, effectiveTo: string | null = null): EffectivePeriod => ({ effectiveFrom, effectiveTo });
const closed2025 = period('2025-01-01', '2025-12-31');
const open2026 = period('2026-01-01');

describe('assertNoOverlap', () => {
  const cases: Array<{ name: string; existing: EffectivePeriod[]; added: EffectivePeriod; code: string | null }> = [
    { name: 'the first rate', existing: [], added: open2026, code: null },
    { name: 'a rate starting the day after the last one ends', existing: [closed2025], added: open2026, code: null },
    { name: 'a rate ending the day before the next one starts', existing: [open2026], added: closed2025, code: null },
    { name: 'a rate sharing the last day of another', existing: [closed2025], added: period('2025-12-31', '2026-06-30'), code: 'CONFLICT' },
    { name: 'a rate inside another', existing: [closed2025], added: period('2025-03-01', '2025-03-31'), code: 'CONFLICT' },
    { name: 'a rate around another', existing: [period('2025-03-01', '2025-03-31')], added: closed2025, code: 'CONFLICT' },
    { name: 'any rate after an open-ended one', existing: [open2026], added: period('2030-01-01'), code: 'CONFLICT' },
    { name: 'an open-ended rate before a later one', existing: [open2026], added: period('2025-01-01'), code: 'CONFLICT' },
    { name: 'a period that ends before it starts', existing: [], added: period('2026-02-01', '2026-01-31'), code: 'BAD_USER_INPUT' },
  ];
  for (const { name, existing, added, code } of cases) {
    it(`${name}: ${code ?? 'accepted'}`, () => {
      if (code === null) assert.doesNotThrow(() => assertNoOverlap(existing, added));
      else assert.throws(() => assertNoOverlap(existing, added), (error: DomainError) => error.code === code);
    });
  }
});

describe('costRateOn', () => {
  const rates = [
    { id: 'a', ...period('2025-01-01', '2025-06-30') },
    { id: 'b', ...period('2025-07-01', '2025-12-31') },
    { id: 'c', ...period('2026-02-01') },
  ];
  const cases: Array<[string, string | null]> = [
    ['2024-12-31', null],
    ['2025-01-01', 'a'],
    ['2025-06-30', 'a'],
    ['2025-07-01', 'b'],
    ['2026-01-15', null],
    ['2026-02-01', 'c'],
    ['2099-01-01', 'c'],
  ];
  for (const [date, expected] of cases) {
    it(`on ${date}: ${expected ?? 'none'}`, () => assert.equal(costRateOn(rates, date)?.id ?? null, expected));
  }
});

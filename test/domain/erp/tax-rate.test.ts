import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { assertNoTaxRateOverlap, taxRateFor, type EffectiveTaxRate } from '../../../subgraphs/erp/domain/tax-rate.ts';

const rate = (id: string, customerCountry: string | null, effectiveFrom: string, effectiveTo: string | null, legalEntityId = 'le-de'): EffectiveTaxRate => ({
  id, legalEntityId, customerCountry, effectiveFrom, effectiveTo,
});

const existing = [rate('de-2020', 'DE', '2020-01-01', '2025-12-31'), rate('default', null, '2020-01-01', null)];

describe('tax-rate periods of one legal entity and country may not overlap', () => {
  const cases: Array<[name: string, candidate: EffectiveTaxRate, expected: 'ok' | 'CONFLICT' | 'BAD_USER_INPUT']> = [
    ['the day after the last period', rate('new', 'DE', '2026-01-01', null), 'ok'],
    ['overlapping the last day', rate('new', 'DE', '2025-12-31', null), 'CONFLICT'],
    ['inside an existing period', rate('new', 'DE', '2022-01-01', '2022-12-31'), 'CONFLICT'],
    ['an open-ended existing default', rate('new', null, '2030-01-01', null), 'CONFLICT'],
    ['another country', rate('new', 'FR', '2020-01-01', null), 'ok'],
    ['another legal entity', rate('new', 'DE', '2020-01-01', null, 'le-fr'), 'ok'],
    ['the rate itself, updated', rate('de-2020', 'DE', '2019-01-01', '2025-12-31'), 'ok'],
    ['ending before it starts', rate('new', 'DE', '2027-01-01', '2026-01-01'), 'BAD_USER_INPUT'],
  ];
  for (const [name, candidate, expected] of cases) {
    it(`${name}: ${expected}`, () => {
      if (expected === 'ok') return assert.doesNotThrow(() => assertNoTaxRateOverlap(existing, candidate));
      assert.throws(() => assertNoTaxRateOverlap(existing, candidate), (error) => error instanceof DomainError && error.code === expected);
    });
  }
});

describe('the tax rate of an invoice: the customer country first, then the default', () => {
  const rates = [...existing, rate('de-2026', 'DE', '2026-01-01', null), rate('fr-only', 'FR', '2024-06-01', null, 'le-fr')];
  const cases: Array<[legalEntityId: string, country: string | null, date: string, expected: string | null]> = [
    ['le-de', 'DE', '2024-03-01', 'de-2020'],
    ['le-de', 'DE', '2026-03-01', 'de-2026'],
    ['le-de', 'US', '2024-03-01', 'default'],
    ['le-de', null, '2024-03-01', 'default'],
    ['le-fr', 'FR', '2024-06-01', 'fr-only'],
    ['le-fr', 'FR', '2024-05-31', null],
    ['le-fr', 'DE', '2025-01-01', null],
  ];
  for (const [legalEntityId, country, date, expected] of cases) {
    it(`${legalEntityId} / ${country} on ${date} → ${expected}`, () => assert.equal(taxRateFor(rates, legalEntityId, country, date)?.id ?? null, expected));
  }
});

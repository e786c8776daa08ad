import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { assertNoFxRateOverlap, checkFxPair, checkFxRate, functionalValue, fxRateOn } from '../../../subgraphs/erp/domain/fx.ts';

const codeOf = (run: () => unknown) => {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
};

const usdEur = (id: string, rate: string, effectiveFrom: string, effectiveTo: string | null) => ({ id, fromCurrency: 'USD', toCurrency: 'EUR', rate, effectiveFrom, effectiveTo });

describe('foreign exchange rules', () => {
  it('converts half-up to the functional currency\'s minor unit, once, on the product', () => {
    const cases: Array<[string, string, string, string, string]> = [
      // amount, currency, functional currency, rate, functional amount
      ['750.00', 'USD', 'GBP', '0.7912345', '593.43'], // 593.425875
      ['0.25', 'USD', 'EUR', '0.1', '0.03'], // 0.025: the half goes up
      ['0.24', 'USD', 'EUR', '0.1', '0.02'], // 0.024
      ['48.03', 'USD', 'EUR', '0.8567891234', '41.15'], // 41.151481... (thirds of hours at 145.55 bill 48.03)
      ['100.00', 'USD', 'JPY', '151.235', '15124'], // 15123.5: yen have no minor unit
      ['15124', 'JPY', 'USD', '0.0066123456', '100.01'], // 100.00511...: the third decimal rounds it up
      ['-593.43', 'GBP', 'USD', '1.25', '-741.79'], // -741.7875: a negative half goes away from zero
    ];
    for (const [amount, currency, to, rate, expected] of cases) {
      assert.deepEqual(functionalValue({ amount, currency }, to, rate), { fxRate: rate, functionalCurrency: to, functionalAmount: expected }, `${amount} ${currency} × ${rate}`);
    }
  });

  it('takes the amount as it is in the legal entity\'s own currency, and converts nothing it cannot', () => {
    assert.deepEqual(functionalValue({ amount: '120.00', currency: 'EUR' }, 'EUR', null), { fxRate: '1', functionalCurrency: 'EUR', functionalAmount: '120.00' });
    assert.deepEqual(functionalValue({ amount: '120.00', currency: 'USD' }, 'EUR', null), { fxRate: null, functionalCurrency: 'EUR', functionalAmount: null });
    assert.deepEqual(functionalValue({ amount: '120.00', currency: 'USD' }, null, '0.9'), { fxRate: null, functionalCurrency: null, functionalAmount: null });
  });

  it('finds the rate of a date in the quoted direction only', () => {
    const rates = [usdEur('oct', '0.91', '2026-10-01', '2026-10-31'), usdEur('nov', '0.93', '2026-11-01', null)];
    assert.equal(fxRateOn(rates, 'USD', 'EUR', '2026-10-31')?.id, 'oct');
    assert.equal(fxRateOn(rates, 'USD', 'EUR', '2026-11-01')?.id, 'nov');
    assert.equal(fxRateOn(rates, 'USD', 'EUR', '2030-01-01')?.id, 'nov');
    assert.equal(fxRateOn(rates, 'USD', 'EUR', '2026-09-30'), null);
    assert.equal(fxRateOn(rates, 'EUR', 'USD', '2026-11-15'), null, 'never inverted');
  });

  it('refuses overlapping periods of one pair, not of another pair, and not the rate itself', () => {
    const existing = [usdEur('oct', '0.91', '2026-10-01', '2026-10-31'), usdEur('nov', '0.93', '2026-11-01', null)];
    assert.equal(codeOf(() => assertNoFxRateOverlap(existing, usdEur('x', '0.9', '2026-10-31', '2026-10-31'))), 'CONFLICT');
    assert.equal(codeOf(() => assertNoFxRateOverlap(existing, usdEur('x', '0.9', '2027-01-01', null))), 'CONFLICT');
    assert.equal(codeOf(() => assertNoFxRateOverlap(existing, usdEur('x', '0.9', '2026-09-01', '2026-09-30'))), null);
    assert.equal(codeOf(() => assertNoFxRateOverlap(existing, { ...usdEur('x', '1.08', '2026-10-15', null), fromCurrency: 'EUR', toCurrency: 'USD' })), null);
    assert.equal(codeOf(() => assertNoFxRateOverlap(existing, usdEur('nov', '0.95', '2026-11-01', '2026-12-31'))), null);
  });

  it('checks a pair and a rate', () => {
    assert.equal(codeOf(() => checkFxPair('USD', 'USD')), 'BAD_USER_INPUT');
    assert.equal(codeOf(() => checkFxPair('usd', 'EUR')), 'BAD_USER_INPUT');
    assert.equal(codeOf(() => checkFxRate('0')), 'BAD_USER_INPUT');
    assert.equal(codeOf(() => checkFxRate('0.12345678901')), 'BAD_USER_INPUT');
    assert.equal(checkFxRate('0.0000566123'), '0.0000566123');
  });
});

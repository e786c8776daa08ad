import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDecimals, checkDecimal, compareDecimals, roundDecimal } from '../../lib/decimal.ts';

describe('decimal arithmetic', () => {
  const rounding: Array<[string, number, string]> = [
    ['1.005', 2, '1.01'],
    ['1.004', 2, '1.00'],
    ['-1.005', 2, '-1.01'],
    ['0.125', 2, '0.13'],
    ['2.5', 0, '3'],
    ['33.333333', 2, '33.33'],
    ['0', 2, '0.00'],
    ['-0.001', 2, '0.00'],
  ];
  for (const [value, scale, expected] of rounding) {
    it(`rounds ${value} half-up to ${scale} places: ${expected}`, () => assert.equal(roundDecimal(value, scale), expected));
  }

  it('adds and compares exactly where floats would not', () => {
    assert.equal(addDecimals('0.10', '0.20', 2), '0.30');
    assert.equal(compareDecimals('0.3', '0.30'), 0);
    assert.equal(compareDecimals('10', '9.99'), 1);
  });

  it('refuses input with more places than the column keeps, instead of rounding it silently', () => {
    assert.throws(() => checkDecimal('hours', '1.234', { scale: 2 }), { code: 'BAD_USER_INPUT' });
    assert.throws(() => checkDecimal('hours', '-1', { scale: 2, min: 'zero' }), { code: 'BAD_USER_INPUT' });
    assert.throws(() => checkDecimal('hours', '0', { scale: 2, min: 'positive' }), { code: 'BAD_USER_INPUT' });
    assert.equal(checkDecimal('hours', '7.50', { scale: 2, min: 'positive', max: '24' }), '7.50');
  });
});

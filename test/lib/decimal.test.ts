import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDecimals, checkDecimal, compareDecimals, divideDecimals, percentOf, roundDecimal } from '../../lib/decimal.ts';

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

  it('divides exactly, half-up away from zero, and gives null for a zero divisor', () => {
    // 1 / 8 = 0.125 → 0.13; −1 / 8 → −0.13; 18800.0000 / 240.00 = 78.333… → 78.33 (a capacity-weighted target).
    assert.equal(divideDecimals('1', '8', 2), '0.13');
    assert.equal(divideDecimals('-1', '8', 2), '-0.13');
    assert.equal(divideDecimals('18800.0000', '240.00', 2), '78.33');
    assert.equal(divideDecimals('5', '0.00', 2), null);
    // Percentages: 2 / 3 = 66.666… % → 66.67; 33.33 / 80 = 41.6625 % → 41.66; of nothing: null.
    assert.equal(percentOf('2', '3'), '66.67');
    assert.equal(percentOf('33.33', '80.00'), '41.66');
    assert.equal(percentOf('4.00', '0.00'), null);
  });
});

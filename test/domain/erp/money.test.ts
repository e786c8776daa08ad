import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineAmount, minorUnits, negate, percentOf, sumByCurrency } from '../../../subgraphs/erp/domain/money.ts';

describe('line amount = quantity × unit price, rounded half-up to the currency minor unit', () => {
  const cases: Array<[quantity: string, unitPrice: string, currency: string, expected: string]> = [
    ['7.50', '120.00', 'EUR', '900.00'],
    ['1.25', '99.99', 'EUR', '124.99'], // 124.9875 → up
    ['0.33', '100.05', 'USD', '33.02'], // 33.0165 → up
    ['0.10', '0.05', 'USD', '0.01'], // 0.005 exactly half → away from zero
    ['0.10', '0.04', 'USD', '0.00'], // 0.004 → down
    ['2.50', '15001', 'JPY', '37503'], // 37502.5 → up, no minor digits
    ['0.25', '1999', 'JPY', '500'], // 499.75 → up
    ['1.00', '10.123', 'KWD', '10.123'], // three minor digits
    ['3', '0.3335', 'BHD', '1.001'], // 1.0005 → up
    ['-1.50', '100.01', 'EUR', '-150.02'], // a reversal: -150.015 → away from zero
    ['0.00', '250.00', 'EUR', '0.00'],
  ];
  for (const [quantity, unitPrice, currency, expected] of cases) {
    it(`${quantity} × ${unitPrice} ${currency} = ${expected}`, () => assert.equal(lineAmount(quantity, unitPrice, currency), expected));
  }
});

describe('minor units per currency', () => {
  const cases: Array<[string, number]> = [['EUR', 2], ['USD', 2], ['GBP', 2], ['JPY', 0], ['KRW', 0], ['KWD', 3], ['XYZ', 2]];
  for (const [currency, digits] of cases) it(`${currency} has ${digits}`, () => assert.equal(minorUnits(currency), digits));
});

describe('sums per currency never add unlike currencies', () => {
  const cases: Array<{ name: string; amounts: Array<{ amount: string; currency: string }>; expected: Array<{ amount: string; currency: string }> }> = [
    { name: 'empty', amounts: [], expected: [] },
    {
      name: 'two currencies, sorted by code',
      amounts: [
        { amount: '100.10', currency: 'USD' },
        { amount: '50.00', currency: 'EUR' },
        { amount: '0.90', currency: 'USD' },
        { amount: '-20.25', currency: 'EUR' },
      ],
      expected: [
        { amount: '29.75', currency: 'EUR' },
        { amount: '101.00', currency: 'USD' },
      ],
    },
    { name: 'JPY stays whole', amounts: [{ amount: '1500', currency: 'JPY' }, { amount: '250', currency: 'JPY' }], expected: [{ amount: '1750', currency: 'JPY' }] },
    { name: 'exact: no rounding of sums', amounts: [{ amount: '0.005', currency: 'EUR' }, { amount: '0.005', currency: 'EUR' }], expected: [{ amount: '0.010', currency: 'EUR' }] },
  ];
  for (const { name, amounts, expected } of cases) it(name, () => assert.deepEqual(sumByCurrency(amounts), expected));
});

describe('negate and percent', () => {
  const negations: Array<[string, string]> = [['12.50', '-12.50'], ['-3.00', '3.00'], ['0.00', '0.00']];
  for (const [value, expected] of negations) it(`-(${value}) = ${expected}`, () => assert.equal(negate(value), expected));
  const percents: Array<[string, string, string | null]> = [
    ['50', '200', '25.00'],
    ['1', '3', '33.33'],
    ['2', '3', '66.67'],
    ['0.5', '0.4', '125.00'],
    ['10', '0', null],
    ['0', '120.00', '0.00'],
  ];
  for (const [part, whole, expected] of percents) it(`${part} of ${whole} = ${expected}%`, () => assert.equal(percentOf(part, whole), expected));
});

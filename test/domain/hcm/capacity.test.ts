import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { capacityHours, type CapacityInput } from '../../../subgraphs/hcm/domain/capacity.ts';

// 2026-03-02 is a Monday; the week runs to Sunday 2026-03-08.
const week: CapacityInput = {
  from: '2026-03-02',
  to: '2026-03-08',
  hoursPerDay: '8.00',
  workingDays: [1, 2, 3, 4, 5],
  holidays: [],
  leaves: [],
  hireDate: '2020-01-01',
  terminationDate: null,
};

const cases: Array<{ name: string; input: Partial<CapacityInput>; hours: string }> = [
  { name: 'a full week of a full-time calendar', input: {}, hours: '40.00' },
  { name: 'a single working day', input: { from: '2026-03-04', to: '2026-03-04' }, hours: '8.00' },
  { name: 'a weekend only', input: { from: '2026-03-07', to: '2026-03-08' }, hours: '0.00' },
  { name: 'a public holiday on Wednesday', input: { holidays: ['2026-03-04'] }, hours: '32.00' },
  { name: 'a public holiday on Saturday takes nothing', input: { holidays: ['2026-03-07'] }, hours: '40.00' },
  { name: 'holidays outside the range are ignored', input: { holidays: ['2026-02-27', '2026-03-09'] }, hours: '40.00' },
  { name: 'part-time: 6 hours Monday to Thursday', input: { hoursPerDay: '6.00', workingDays: [1, 2, 3, 4] }, hours: '24.00' },
  { name: 'fractional hours per day', input: { hoursPerDay: '7.50' }, hours: '37.50' },
  {
    name: 'two days of full-day leave',
    input: { leaves: [{ startDate: '2026-03-03', endDate: '2026-03-04', hoursPerDay: '8.00' }] },
    hours: '24.00',
  },
  {
    name: 'a half day of leave',
    input: { leaves: [{ startDate: '2026-03-02', endDate: '2026-03-02', hoursPerDay: '4.00' }] },
    hours: '36.00',
  },
  {
    name: 'leave over a holiday and the weekend subtracts only working days',
    input: { holidays: ['2026-03-04'], leaves: [{ startDate: '2026-03-04', endDate: '2026-03-10', hoursPerDay: '8.00' }] },
    hours: '16.00',
  },
  {
    name: 'leave longer than a part-time day never goes below zero',
    input: { hoursPerDay: '6.00', workingDays: [1, 2, 3, 4], leaves: [{ startDate: '2026-03-02', endDate: '2026-03-02', hoursPerDay: '8.00' }] },
    hours: '18.00',
  },
  { name: 'hired on Thursday mid-week', input: { hireDate: '2026-03-05' }, hours: '16.00' },
  { name: 'terminated on Tuesday (the last day counts)', input: { terminationDate: '2026-03-03' }, hours: '16.00' },
  { name: 'hired after the range', input: { hireDate: '2026-04-01' }, hours: '0.00' },
  { name: 'terminated before the range', input: { terminationDate: '2026-02-27' }, hours: '0.00' },
  { name: 'the whole of March 2026 (22 weekdays)', input: { from: '2026-03-01', to: '2026-03-31' }, hours: '176.00' },
  { name: 'a weekend calendar (Saturday and Sunday)', input: { workingDays: [6, 7] }, hours: '16.00' },
];

describe('capacityHours', () => {
  for (const { name, input, hours } of cases) {
    it(name, () => assert.equal(capacityHours({ ...week, ...input }), hours));
  }

  it('refuses a range that ends before it starts, or spans more than ten years', () => {
    for (const range of [
      { from: '2026-03-08', to: '2026-03-02' },
      { from: '2020-01-01', to: '2030-12-31' },
    ]) {
      assert.throws(() => capacityHours({ ...week, ...range }), (error: DomainError) => error.code === 'BAD_USER_INPUT');
    }
  });
});

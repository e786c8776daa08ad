import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { capacityByPeriod, capacityHours, type CapacityInput } from '../../../subgraphs/hcm/domain/capacity.ts';

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
    name: 'the calendar in effect each day: full time to Tuesday, 4 h Wednesday to Thursday from Wednesday',
    input: { calendarChanges: [{ from: '2026-03-04', hoursPerDay: '4.00', workingDays: [1, 2, 3, 4], holidays: ['2026-03-05'] }] },
    hours: '20.00',
  },
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

describe('capacityByPeriod', () => {
  // March 2026: Sunday the 1st, then ISO weeks from Monday the 2nd; Wednesday the 4th is a holiday, and the worker
  // takes a half day of leave on Tuesday the 31st.
  const march: CapacityInput = {
    ...week,
    from: '2026-03-01',
    to: '2026-04-02',
    holidays: ['2026-03-04'],
    leaves: [{ startDate: '2026-03-31', endDate: '2026-03-31', hoursPerDay: '4.00' }],
  };

  it('cuts the range into ISO weeks, clipping the first and last to it', () => {
    assert.deepEqual(capacityByPeriod(march, 'WEEK'), [
      { start: '2026-03-01', end: '2026-03-01', hours: '0.00' }, // a lone Sunday
      { start: '2026-03-02', end: '2026-03-08', hours: '32.00' }, // the holiday week
      { start: '2026-03-09', end: '2026-03-15', hours: '40.00' },
      { start: '2026-03-16', end: '2026-03-22', hours: '40.00' },
      { start: '2026-03-23', end: '2026-03-29', hours: '40.00' },
      { start: '2026-03-30', end: '2026-04-02', hours: '28.00' }, // Monday to Thursday, less the half day
    ]);
  });

  it('cuts it into calendar months; the periods add up to the whole range', () => {
    const months = capacityByPeriod(march, 'MONTH');
    // March: 22 weekdays × 8 − 8 (holiday) − 4 (half day) = 164; April 1–2: 16.
    assert.deepEqual(months, [
      { start: '2026-03-01', end: '2026-03-31', hours: '164.00' },
      { start: '2026-04-01', end: '2026-04-02', hours: '16.00' },
    ]);
    assert.equal(capacityHours(march), '180.00');
  });

  it('gives each day its hours, zero on weekends, holidays and outside employment', () => {
    const days = capacityByPeriod({ ...week, hireDate: '2026-03-04', holidays: ['2026-03-05'] }, 'DAY');
    assert.deepEqual(
      days.map((day) => [day.start, day.hours]),
      [
        ['2026-03-02', '0.00'],
        ['2026-03-03', '0.00'],
        ['2026-03-04', '8.00'],
        ['2026-03-05', '0.00'],
        ['2026-03-06', '8.00'],
        ['2026-03-07', '0.00'],
        ['2026-03-08', '0.00'],
      ],
    );
  });
});

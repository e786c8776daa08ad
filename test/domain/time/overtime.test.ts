import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  calendarOfDay,
  limitsOfWeek,
  regularLimitOfWeek,
  splitWeekWithinLimits,
  splitWorkerDays,
  splitWorkerWeek,
  totalsWithin,
  type OvertimeCalendar,
} from '../../../subgraphs/time/domain/overtime.ts';

// 2026-11-16 is a Monday; 2026-12-25 (Friday) is the holiday of the December week.
const fullTime: OvertimeCalendar = { hoursPerDay: '8.00', workingDays: [1, 2, 3, 4, 5], holidays: new Set(['2026-12-25']) };
const partTime: OvertimeCalendar = { hoursPerDay: '4.00', workingDays: [1, 2, 3, 4, 5], holidays: new Set() };
const fourDays: OvertimeCalendar = { hoursPerDay: '8.00', workingDays: [1, 2, 3, 4], holidays: new Set() };

const compact = (splits: ReturnType<typeof splitWorkerWeek>) =>
  splits.map((s) => [s.date, s.hours, s.regular, s.dailyOvertime, s.weeklyOvertime, s.overtime]);

describe('regular limits from the calendar', () => {
  it('every day, working or not, has hoursPerDay as its limit', () => {
    for (const date of ['2026-11-16', '2026-11-21', '2026-12-25']) assert.equal(limitsOfWeek(fullTime, '2026-11-16').day(date), 800n);
    assert.equal(limitsOfWeek(partTime, '2026-11-16').day('2026-11-20'), 400n);
  });

  it("a week's limit is hoursPerDay × its working days that are not holidays", () => {
    assert.equal(regularLimitOfWeek(fullTime, '2026-11-16'), '40.00');
    assert.equal(regularLimitOfWeek(fullTime, '2026-12-21'), '32.00');
    assert.equal(regularLimitOfWeek(fourDays, '2026-11-16'), '32.00');
    assert.equal(regularLimitOfWeek(partTime, '2026-11-16'), '20.00');
  });
});

describe('splitting a worker-week', () => {
  it('hours above the day limit are daily overtime, to the hundredth', () => {
    const splits = splitWorkerWeek(fullTime, [
      { date: '2026-11-17', hours: '8.00' },
      { date: '2026-11-16', hours: '10.25' },
      { date: '2026-11-18', hours: '7.99' },
    ]);
    assert.deepEqual(compact(splits), [
      ['2026-11-16', '10.25', '8.00', '2.25', '0.00', '2.25'],
      ['2026-11-17', '8.00', '8.00', '0.00', '0.00', '0.00'],
      ['2026-11-18', '7.99', '7.99', '0.00', '0.00', '0.00'],
    ]);
  });

  it('work on a public holiday or a weekend is regular while the week is short of its hours, overtime past them', () => {
    const short = splitWorkerWeek(fullTime, [
      { date: '2026-12-24', hours: '8.00' },
      { date: '2026-12-25', hours: '3.50' },
      { date: '2026-12-26', hours: '2.00' },
    ]);
    assert.ok(short.every((s) => s.overtime === '0.00'), '13.50 h of a 32-hour week');
    // The holiday week: Monday to Thursday fill its 32 hours, so the holiday and the Saturday are weekly overtime.
    const full = splitWorkerWeek(fullTime, [
      ...['2026-12-21', '2026-12-22', '2026-12-23', '2026-12-24'].map((date) => ({ date, hours: '8.00' })),
      { date: '2026-12-25', hours: '3.50' },
      { date: '2026-12-26', hours: '2.00' },
    ]);
    assert.deepEqual(compact(full).slice(4), [
      ['2026-12-25', '3.50', '0.00', '0.00', '3.50', '3.50'],
      ['2026-12-26', '2.00', '0.00', '0.00', '2.00', '2.00'],
    ]);
  });

  it('a part-time calendar makes overtime of hours a full-time one would not', () => {
    const [day] = splitWorkerWeek(partTime, [{ date: '2026-11-16', hours: '6.00' }]);
    assert.deepEqual([day.regular, day.overtime], ['4.00', '2.00']);
  });

  it('a long week: daily overtime above 8 h each day, and the weekend past the 40-hour week, never twice', () => {
    const days = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'].map((date) => ({
      date,
      hours: '9.00',
    }));
    const splits = splitWorkerWeek(fullTime, days);
    assert.deepEqual(totalsWithin(splits, '2026-11-16', '2026-11-22'), { regular: '40.00', overtime: '23.00', total: '63.00' });
    assert.deepEqual(splits.map((s) => s.dailyOvertime), Array(7).fill('1.00'));
    assert.deepEqual(splits.map((s) => s.weeklyOvertime), ['0.00', '0.00', '0.00', '0.00', '0.00', '8.00', '8.00']);
  });

  it('refuses days of two weeks and a date given twice', () => {
    assert.throws(() => splitWorkerWeek(fullTime, [{ date: '2026-11-22', hours: '1.00' }, { date: '2026-11-23', hours: '1.00' }]), /not in the ISO week/);
    assert.throws(() => splitWorkerWeek(fullTime, [{ date: '2026-11-16', hours: '1.00' }, { date: '2026-11-16', hours: '1.00' }]), /given twice/);
  });
});

describe('the weekly limit under explicit limits', () => {
  const limits = { day: () => 800n, week: 2000n };

  it('regular hours past the week limit, in date order, become weekly overtime from the day the limit is passed', () => {
    const splits = splitWeekWithinLimits(limits, [
      { date: '2026-11-18', hours: '8.00' },
      { date: '2026-11-16', hours: '9.00' },
      { date: '2026-11-17', hours: '8.00' },
      { date: '2026-11-19', hours: '3.00' },
    ]);
    assert.deepEqual(compact(splits), [
      ['2026-11-16', '9.00', '8.00', '1.00', '0.00', '1.00'],
      ['2026-11-17', '8.00', '8.00', '0.00', '0.00', '0.00'],
      ['2026-11-18', '8.00', '4.00', '0.00', '4.00', '4.00'],
      ['2026-11-19', '3.00', '0.00', '0.00', '3.00', '3.00'],
    ]);
  });

  it('the calendar limits are the ones splitWorkerWeek applies', () => {
    const week = limitsOfWeek(fullTime, '2026-12-21');
    assert.equal(week.week, 3200n);
    assert.equal(week.day('2026-12-25'), 800n);
    const days = [{ date: '2026-12-21', hours: '12.00' }, { date: '2026-12-25', hours: '1.00' }];
    assert.deepEqual(splitWeekWithinLimits(week, days), splitWorkerWeek(fullTime, days));
  });
});

describe('periods', () => {
  const days = [
    { date: '2026-11-16', hours: '10.00' },
    { date: '2026-11-18', hours: '8.00' },
    { date: '2026-11-21', hours: '5.00' },
    { date: '2026-11-23', hours: '9.50' },
  ];

  it('splits each ISO week on its own and sums only the days of the period', () => {
    const splits = splitWorkerDays(fullTime, days);
    assert.deepEqual(splits.map((s) => s.date), ['2026-11-16', '2026-11-18', '2026-11-21', '2026-11-23']);
    assert.deepEqual(totalsWithin(splits, '2026-11-16', '2026-11-30'), { regular: '29.00', overtime: '3.50', total: '32.50' });
  });

  it('two adjacent periods that cut a week add up to the whole', () => {
    const splits = splitWorkerDays(fullTime, days);
    const first = totalsWithin(splits, '2026-11-01', '2026-11-17');
    const second = totalsWithin(splits, '2026-11-18', '2026-11-30');
    assert.deepEqual(first, { regular: '8.00', overtime: '2.00', total: '10.00' });
    assert.deepEqual(second, { regular: '21.00', overtime: '1.50', total: '22.50' });
  });
});

describe('each day under the calendar in effect that day', () => {
  // Full time (8 h Monday to Friday) until Tuesday 2026-11-17, then four days of 6 h (Monday to Thursday).
  const changed = calendarOfDay([
    { ...fullTime, from: '2024-01-01', to: '2026-11-17' },
    { hoursPerDay: '6.00', workingDays: [1, 2, 3, 4], holidays: new Set(), from: '2026-11-18', to: null },
  ]);

  it('limits the week by each contracted day of its own calendar: 8 + 8 + 6 + 6 + 0', () => {
    assert.equal(regularLimitOfWeek(changed, '2026-11-16'), '28.00');
    assert.deepEqual(['2026-11-16', '2026-11-18', '2026-11-20'].map((date) => limitsOfWeek(changed, '2026-11-16').day(date)), [800n, 600n, 600n]);
    assert.equal(regularLimitOfWeek(changed, '2026-11-09'), '40.00', 'the week before the change is all full time');
  });

  it('splits a week of five 8-hour days across the change', () => {
    const week = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20'].map((date) => ({ date, hours: '8.00' }));
    assert.deepEqual(compact(splitWorkerWeek(changed, week)), [
      ['2026-11-16', '8.00', '8.00', '0.00', '0.00', '0.00'],
      ['2026-11-17', '8.00', '8.00', '0.00', '0.00', '0.00'],
      ['2026-11-18', '8.00', '6.00', '2.00', '0.00', '2.00'],
      ['2026-11-19', '8.00', '6.00', '2.00', '0.00', '2.00'],
      // Friday: 6 h within its day (the new calendar's hoursPerDay), none left of the week's 28 → weekly overtime.
      ['2026-11-20', '8.00', '0.00', '2.00', '6.00', '8.00'],
    ]);
  });

  it('keeps the first calendar before it and the last after it', () => {
    const on = calendarOfDay([{ ...fourDays, from: '2026-01-01', to: '2026-06-30' }, { ...partTime, from: '2026-07-01', to: '2026-12-31' }]);
    assert.deepEqual([on('2025-12-31'), on('2027-01-04')], [{ ...fourDays, from: '2026-01-01', to: '2026-06-30' }, { ...partTime, from: '2026-07-01', to: '2026-12-31' }]);
  });
});

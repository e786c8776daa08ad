import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addDays,
  isoWeekLabel,
  isoWeekday,
  parseIsoWeek,
  weekEndOf,
  weekStartOf,
  weeksInIsoYear,
} from '../../../subgraphs/time/domain/iso-week.ts';

describe('ISO week of a date', () => {
  // Checked against Python's date.isocalendar().
  const cases: Array<[date: string, label: string, weekStart: string, weekEnd: string]> = [
    ['2026-11-16', '2026-W47', '2026-11-16', '2026-11-22'], // a Monday is its own week start
    ['2026-11-22', '2026-W47', '2026-11-16', '2026-11-22'], // a Sunday its own week end
    ['2026-12-31', '2026-W53', '2026-12-28', '2027-01-03'], // Thursday: 2026 has 53 weeks
    ['2027-01-01', '2026-W53', '2026-12-28', '2027-01-03'], // January days in the previous year's last week
    ['2027-01-03', '2026-W53', '2026-12-28', '2027-01-03'],
    ['2027-01-04', '2027-W01', '2027-01-04', '2027-01-10'],
    ['2020-12-31', '2020-W53', '2020-12-28', '2021-01-03'],
    ['2021-01-03', '2020-W53', '2020-12-28', '2021-01-03'],
    ['2024-12-30', '2025-W01', '2024-12-30', '2025-01-05'], // December days in the next year's week 1
    ['2025-12-29', '2026-W01', '2025-12-29', '2026-01-04'],
    ['2026-01-01', '2026-W01', '2025-12-29', '2026-01-04'],
    ['2024-02-29', '2024-W09', '2024-02-26', '2024-03-03'], // leap day
    ['2010-01-03', '2009-W53', '2009-12-28', '2010-01-03'],
  ];
  for (const [date, label, weekStart, weekEnd] of cases) {
    it(`${date} is in ${label} (${weekStart} to ${weekEnd})`, () => {
      assert.equal(isoWeekLabel(date), label);
      assert.equal(weekStartOf(date), weekStart);
      assert.equal(weekEndOf(date), weekEnd);
      assert.equal(isoWeekday(weekStart), 1);
      assert.equal(isoWeekday(weekEnd), 7);
    });
  }

  it('counts 52 or 53 weeks per ISO year', () => {
    assert.deepEqual([2015, 2020, 2021, 2025, 2026, 2027].map(weeksInIsoYear), [53, 53, 52, 52, 53, 52]);
  });

  it('adds days across month, year and leap-day boundaries', () => {
    assert.equal(addDays('2026-12-28', 6), '2027-01-03');
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2023-02-28', 1), '2023-03-01');
    assert.equal(addDays('2026-03-02', -2), '2026-02-28');
  });
});

describe('parsing an ISO week label', () => {
  const valid: Array<[label: string, weekStart: string, weekEnd: string]> = [
    ['2026-W47', '2026-11-16', '2026-11-22'],
    ['2026-W53', '2026-12-28', '2027-01-03'],
    ['2020-W53', '2020-12-28', '2021-01-03'],
    ['2026-W01', '2025-12-29', '2026-01-04'],
    ['2025-W01', '2024-12-30', '2025-01-05'],
  ];
  for (const [label, weekStart, weekEnd] of valid) {
    it(`${label} runs ${weekStart} to ${weekEnd} and round-trips`, () => {
      assert.deepEqual(parseIsoWeek(label), { isoWeek: label, weekStart, weekEnd });
      assert.equal(isoWeekLabel(weekStart), label);
    });
  }

  const invalid = ['2027-W53', '2021-W53', '2026-W00', '2026-W54', '2026-47', '2026-W7', '26-W47', '2026-w47', ''];
  for (const label of invalid) {
    it(`refuses "${label}"`, () => {
      assert.throws(() => parseIsoWeek(label), (error: { code?: string }) => error.code === 'BAD_USER_INPUT');
    });
  }
});

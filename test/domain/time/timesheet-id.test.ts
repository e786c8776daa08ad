import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTimesheetId, timesheetId } from '../../../subgraphs/time/domain/timesheet-id.ts';

describe('timesheet id: "<workerId>:<isoWeek>"', () => {
  const cases: Array<[workerId: string, weekStart: string, id: string, weekEnd: string]> = [
    ['w-1', '2026-11-16', 'w-1:2026-W47', '2026-11-22'],
    ['w-1', '2026-12-28', 'w-1:2026-W53', '2027-01-03'],
    ['9b2f8c1e-0d4a-4e53-a7f1-2c6d3b5e8f90', '2024-12-30', '9b2f8c1e-0d4a-4e53-a7f1-2c6d3b5e8f90:2025-W01', '2025-01-05'],
    ['urn:hcm:7', '2020-12-28', 'urn:hcm:7:2020-W53', '2021-01-03'], // a worker id with colons: the week is after the last one
  ];
  for (const [workerId, weekStart, id, weekEnd] of cases) {
    it(`${id} round-trips`, () => {
      assert.equal(timesheetId(workerId, weekStart), id);
      assert.deepEqual(parseTimesheetId(id), { workerId, isoWeek: id.slice(id.lastIndexOf(':') + 1), weekStart, weekEnd });
    });
  }
  for (const id of ['w-1', ':2026-W47', 'w-1:2026-W54', 'w-1:2026-11-16', '']) {
    it(`refuses "${id}"`, () => assert.throws(() => parseTimesheetId(id), (error: { code?: string }) => error.code === 'BAD_USER_INPUT'));
  }
});

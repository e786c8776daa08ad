import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timesheetStatus, type StatusCounts } from '../../../subgraphs/time/domain/timesheet-status.ts';
import type { EntryStatus } from '../../../subgraphs/time/tables.ts';

const counts = (draft: number, submitted: number, approved: number, rejected: number): StatusCounts => ({
  DRAFT: draft,
  SUBMITTED: submitted,
  APPROVED: approved,
  REJECTED: rejected,
});

describe('timesheet status derived from its entries', () => {
  const cases: Array<[why: string, counts: StatusCounts, expected: EntryStatus]> = [
    ['a week without entries is a draft', counts(0, 0, 0, 0), 'DRAFT'],
    ['only drafts', counts(3, 0, 0, 0), 'DRAFT'],
    ['all approved', counts(0, 0, 5, 0), 'APPROVED'],
    ['one approved entry alone', counts(0, 0, 1, 0), 'APPROVED'],
    ['all submitted', counts(0, 4, 0, 0), 'SUBMITTED'],
    ['some approved, some awaiting a decision', counts(0, 1, 4, 0), 'SUBMITTED'],
    ['a draft beside a submitted entry', counts(1, 1, 0, 0), 'SUBMITTED'],
    ['any rejection wins over pending entries', counts(1, 2, 3, 1), 'REJECTED'],
    ['rejected beside approved', counts(0, 0, 4, 1), 'REJECTED'],
    ['all rejected', counts(0, 0, 0, 2), 'REJECTED'],
    ['approved beside a new draft is not approved', counts(1, 0, 4, 0), 'DRAFT'],
  ];
  for (const [why, given, expected] of cases) {
    it(`${why} → ${expected}`, () => assert.equal(timesheetStatus(given), expected));
  }
});

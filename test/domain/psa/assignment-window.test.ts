import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import {
  assertAssignmentStatusChange,
  assertCoversAssignments,
  assertNotDoubleAssigned,
  assertWithinProject,
  windowsOverlap,
} from '../../../subgraphs/psa/domain/assignment.ts';
import type { AssignmentStatus } from '../../../subgraphs/psa/tables.ts';

const code = (fn: () => void) => {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('assignment windows', () => {
  it('overlap is inclusive of both ends', () => {
    const cases: Array<[string, string, string, string, boolean]> = [
      ['2026-01-01', '2026-01-31', '2026-01-31', '2026-02-28', true],
      ['2026-01-01', '2026-01-31', '2026-02-01', '2026-02-28', false],
      ['2026-02-01', '2026-02-28', '2026-01-01', '2026-01-31', false],
      ['2026-01-01', '2026-12-31', '2026-03-01', '2026-03-02', true],
    ];
    for (const [aStart, aEnd, bStart, bEnd, expected] of cases) {
      assert.equal(windowsOverlap({ startDate: aStart, endDate: aEnd }, { startDate: bStart, endDate: bEnd }), expected, `${aStart}..${aEnd} vs ${bStart}..${bEnd}`);
    }
  });

  it('lies within the project dates', () => {
    const project = { startDate: '2026-01-01', endDate: '2026-06-30' };
    const cases: Array<[string, string, { startDate: string; endDate: string | null }, string | null]> = [
      ['2026-01-01', '2026-06-30', project, null],
      ['2025-12-31', '2026-02-01', project, 'BAD_USER_INPUT'],
      ['2026-02-01', '2026-07-01', project, 'BAD_USER_INPUT'],
      ['2026-02-01', '2030-01-01', { startDate: '2026-01-01', endDate: null }, null],
      ['2026-03-01', '2026-02-01', project, 'BAD_USER_INPUT'],
    ];
    for (const [startDate, endDate, bounds, expected] of cases) {
      assert.equal(code(() => assertWithinProject({ startDate, endDate }, bounds)), expected, `${startDate}..${endDate}`);
    }
  });

  it('refuses a second live assignment of the worker over an overlapping window', () => {
    const existing = [
      { id: 'a1', startDate: '2026-01-01', endDate: '2026-03-31', status: 'CONFIRMED' as AssignmentStatus },
      { id: 'a2', startDate: '2026-05-01', endDate: '2026-05-31', status: 'CANCELLED' as AssignmentStatus },
    ];
    assert.equal(code(() => assertNotDoubleAssigned({ id: null, startDate: '2026-03-31', endDate: '2026-04-30' }, existing)), 'CONFLICT');
    assert.equal(code(() => assertNotDoubleAssigned({ id: null, startDate: '2026-04-01', endDate: '2026-04-30' }, existing)), null);
    assert.equal(code(() => assertNotDoubleAssigned({ id: null, startDate: '2026-05-10', endDate: '2026-05-20' }, existing)), null, 'cancelled ones do not count');
    assert.equal(code(() => assertNotDoubleAssigned({ id: 'a1', startDate: '2026-01-15', endDate: '2026-02-15' }, existing)), null, 'itself does not count');
  });

  it('keeps a cancelled assignment cancelled', () => {
    const statuses: AssignmentStatus[] = ['TENTATIVE', 'CONFIRMED', 'CANCELLED'];
    for (const from of statuses) {
      for (const to of statuses) {
        const expected = from === 'CANCELLED' && to !== 'CANCELLED' ? 'INVALID_TRANSITION' : null;
        assert.equal(code(() => assertAssignmentStatusChange(from, to)), expected, `${from} → ${to}`);
      }
    }
  });

  it('refuses project dates that would strand an assignment', () => {
    const live = [{ id: 'a1', startDate: '2026-02-01', endDate: '2026-04-30' }];
    assert.equal(code(() => assertCoversAssignments({ startDate: '2026-01-01', endDate: '2026-04-30' }, live)), null);
    assert.equal(code(() => assertCoversAssignments({ startDate: '2026-01-01', endDate: '2026-04-29' }, live)), 'CONFLICT');
    assert.equal(code(() => assertCoversAssignments({ startDate: '2026-02-02', endDate: null }, live)), 'CONFLICT');
  });
});

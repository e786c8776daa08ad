import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveStatus, statusOnWrite } from '../../../subgraphs/hcm/domain/worker-status.ts';
import type { WorkerStatus } from '../../../subgraphs/hcm/tables.ts';

const today = '2026-06-15';

describe('effectiveStatus', () => {
  const cases: Array<[WorkerStatus, string | null, WorkerStatus]> = [
    ['ACTIVE', null, 'ACTIVE'],
    ['ACTIVE', '2026-06-15', 'ACTIVE'], // the termination date is the last working day
    ['ACTIVE', '2026-06-14', 'INACTIVE'],
    ['ACTIVE', '2026-12-31', 'ACTIVE'],
    ['INACTIVE', null, 'INACTIVE'],
    ['INACTIVE', '2026-12-31', 'INACTIVE'],
  ];
  for (const [recorded, termination, expected] of cases) {
    it(`${recorded} terminating ${termination ?? 'never'}: ${expected}`, () => assert.equal(effectiveStatus(recorded, termination, today), expected));
  }
});

describe('statusOnWrite', () => {
  const cases: Array<{ name: string; current: WorkerStatus | null; terminationDate: string | null; terminationChanged: boolean; expected: WorkerStatus }> = [
    { name: 'a new hire', current: null, terminationDate: null, terminationChanged: true, expected: 'ACTIVE' },
    { name: 'a new record of a past employee', current: null, terminationDate: '2025-01-31', terminationChanged: true, expected: 'INACTIVE' },
    { name: 'terminated yesterday', current: 'ACTIVE', terminationDate: '2026-06-14', terminationChanged: true, expected: 'INACTIVE' },
    { name: 'termination announced for next month', current: 'ACTIVE', terminationDate: '2026-07-31', terminationChanged: true, expected: 'ACTIVE' },
    { name: 'rehired (termination cleared)', current: 'INACTIVE', terminationDate: null, terminationChanged: true, expected: 'ACTIVE' },
    { name: 'an unrelated change keeps INACTIVE', current: 'INACTIVE', terminationDate: null, terminationChanged: false, expected: 'INACTIVE' },
    { name: 'an unrelated change after the termination passed', current: 'ACTIVE', terminationDate: '2026-06-01', terminationChanged: false, expected: 'INACTIVE' },
  ];
  for (const { name, expected, ...input } of cases) {
    it(`${name}: ${expected}`, () => assert.equal(statusOnWrite({ ...input, today }), expected));
  }
});

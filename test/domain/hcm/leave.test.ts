import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { assertLeaveAllowed, type LeavePeriod } from '../../../subgraphs/hcm/domain/leave.ts';

const employment = { hireDate: '2025-03-01', terminationDate: '2026-12-31' };
const approved: LeavePeriod[] = [{ startDate: '2026-08-03', endDate: '2026-08-14' }];

describe('assertLeaveAllowed', () => {
  const cases: Array<{ name: string; leave: LeavePeriod; code: string | null }> = [
    { name: 'a week in July', leave: { startDate: '2026-07-06', endDate: '2026-07-10' }, code: null },
    { name: 'the day after approved leave ends', leave: { startDate: '2026-08-15', endDate: '2026-08-15' }, code: null },
    { name: 'the hire day and the last day', leave: { startDate: '2025-03-01', endDate: '2025-03-01' }, code: null },
    { name: 'overlapping approved leave', leave: { startDate: '2026-08-14', endDate: '2026-08-20' }, code: 'CONFLICT' },
    { name: 'inside approved leave', leave: { startDate: '2026-08-05', endDate: '2026-08-05' }, code: 'CONFLICT' },
    { name: 'before the hire date', leave: { startDate: '2025-02-28', endDate: '2025-03-02' }, code: 'BAD_USER_INPUT' },
    { name: 'past the termination date', leave: { startDate: '2026-12-30', endDate: '2027-01-02' }, code: 'BAD_USER_INPUT' },
    { name: 'ending before it starts', leave: { startDate: '2026-07-10', endDate: '2026-07-06' }, code: 'BAD_USER_INPUT' },
  ];
  for (const { name, leave, code } of cases) {
    it(`${name}: ${code ?? 'accepted'}`, () => {
      if (code === null) assert.doesNotThrow(() => assertLeaveAllowed(leave, employment, approved));
      else assert.throws(() => assertLeaveAllowed(leave, employment, approved), (error: DomainError) => error.code === code);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dealProjectCode, staffingWindow } from '../../../subgraphs/psa/domain/deal-to-project.ts';
import { demandOf, assertStaffingChange } from '../../../subgraphs/psa/domain/staffing.ts';

describe('deal to project rules', () => {
  it('spreads demand over the contract term, or 90 days from its start when open-ended', () => {
    const cases: Array<[string, string | null, string]> = [
      ['2026-01-01', '2026-06-30', '2026-06-30'],
      ['2026-01-01', null, '2026-04-01'],
      ['2026-12-15', null, '2027-03-15'],
      ['2028-01-01', null, '2028-03-31'], // leap year
    ];
    for (const [start, end, expectedEnd] of cases) assert.deepEqual(staffingWindow(start, end), { startDate: start, endDate: expectedEnd });
  });

  it('codes the project P-<contract number>, or the first free suffix', () => {
    assert.equal(dealProjectCode('C-100', []), 'P-C-100');
    assert.equal(dealProjectCode('C-100', ['P-C-100']), 'P-C-100-2');
    assert.equal(dealProjectCode('C-100', ['P-C-100', 'P-C-100-2', 'P-C-1000']), 'P-C-100-3');
  });

  it('confirms demand exactly when a project exists', () => {
    assert.equal(demandOf({ projectId: null }), 'TENTATIVE');
    assert.equal(demandOf({ projectId: 'p1' }), 'CONFIRMED');
  });

  it('changes only OPEN staffing requests', () => {
    for (const status of ['OPEN', 'FILLED', 'CANCELLED'] as const) {
      for (const action of ['update', 'fill', 'cancel'] as const) {
        if (status === 'OPEN') assert.doesNotThrow(() => assertStaffingChange(status, action));
        else assert.throws(() => assertStaffingChange(status, action), { code: 'INVALID_TRANSITION' });
      }
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { applyDatedChange, periodOn, rebaseOnHireDate, valuesToday, type DatedPeriod } from '../../../subgraphs/hcm/domain/worker-history.ts';

const base = { role_id: 'r1', manager_id: 'm1', cost_center_id: 'cc1', legal_entity_id: 'le1', location: 'Berlin', kind: 'EMPLOYEE', calendar_id: 'cal1' } as const;
const hired: DatedPeriod[] = [{ ...base, effective_from: '2025-01-01', effective_to: null }];
const employment = { hireDate: '2025-01-01', terminationDate: null };

/** Periods as [from, to, cost center, manager] for short expectations. */
const brief = (periods: readonly DatedPeriod[]) => periods.map((p) => [p.effective_from, p.effective_to, p.cost_center_id, p.manager_id]);

describe('worker history: dated changes of effective-dated attributes', () => {
  const cases: Array<{ name: string; periods: DatedPeriod[]; change: Parameters<typeof applyDatedChange>[1]; expected: unknown[] }> = [
    {
      name: 'an open-ended move splits the open period on its date',
      periods: hired,
      change: { from: '2026-03-01', to: null, values: { cost_center_id: 'cc2' } },
      expected: [['2025-01-01', '2026-02-28', 'cc1', 'm1'], ['2026-03-01', null, 'cc2', 'm1']],
    },
    {
      name: 'a change on the hire date replaces the first values',
      periods: hired,
      change: { from: '2025-01-01', to: null, values: { cost_center_id: 'cc2' } },
      expected: [['2025-01-01', null, 'cc2', 'm1']],
    },
    {
      name: 'a window (secondment) returns to the values it had after its end',
      periods: hired,
      change: { from: '2026-03-01', to: '2026-03-31', values: { cost_center_id: 'cc2' } },
      expected: [['2025-01-01', '2026-02-28', 'cc1', 'm1'], ['2026-03-01', '2026-03-31', 'cc2', 'm1'], ['2026-04-01', null, 'cc1', 'm1']],
    },
    {
      name: 'a back-dated open change stops at the next change of the same attribute (a scheduled move stays)',
      periods: [
        { ...base, effective_from: '2025-01-01', effective_to: '2026-05-31' },
        { ...base, cost_center_id: 'cc3', effective_from: '2026-06-01', effective_to: null },
      ],
      change: { from: '2026-03-01', to: null, values: { cost_center_id: 'cc2' } },
      expected: [['2025-01-01', '2026-02-28', 'cc1', 'm1'], ['2026-03-01', '2026-05-31', 'cc2', 'm1'], ['2026-06-01', null, 'cc3', 'm1']],
    },
    {
      name: 'another attribute keeps its own history: a manager change later in time is not undone',
      periods: [
        { ...base, effective_from: '2025-01-01', effective_to: '2026-05-31' },
        { ...base, manager_id: 'm2', effective_from: '2026-06-01', effective_to: null },
      ],
      change: { from: '2026-03-01', to: null, values: { cost_center_id: 'cc2' } },
      expected: [['2025-01-01', '2026-02-28', 'cc1', 'm1'], ['2026-03-01', '2026-05-31', 'cc2', 'm1'], ['2026-06-01', null, 'cc2', 'm2']],
    },
    {
      name: 'setting back the value a period already had merges the neighbours',
      periods: [
        { ...base, effective_from: '2025-01-01', effective_to: '2026-02-28' },
        { ...base, cost_center_id: 'cc2', effective_from: '2026-03-01', effective_to: null },
      ],
      change: { from: '2026-03-01', to: null, values: { cost_center_id: 'cc1' } },
      expected: [['2025-01-01', null, 'cc1', 'm1']],
    },
    {
      name: 'clearing the manager is a value like any other',
      periods: hired,
      change: { from: '2026-03-01', to: null, values: { manager_id: null } },
      expected: [['2025-01-01', '2026-02-28', 'cc1', 'm1'], ['2026-03-01', null, 'cc1', null]],
    },
  ];
  for (const { name, periods, change, expected } of cases) {
    it(name, () => assert.deepEqual(brief(applyDatedChange(periods, change, employment)), expected));
  }

  it('leaves the periods it was given unchanged', () => {
    const periods = structuredClone(hired);
    applyDatedChange(periods, { from: '2026-03-01', to: null, values: { cost_center_id: 'cc2' } }, employment);
    assert.deepEqual(periods, hired);
  });

  const refusals: Array<{ name: string; periods: DatedPeriod[]; change: Parameters<typeof applyDatedChange>[1]; code: string; field: string; terminationDate?: string }> = [
    { name: 'no attribute named', periods: hired, change: { from: '2026-03-01', to: null, values: {} }, code: 'BAD_USER_INPUT', field: 'input' },
    { name: 'before the hire date', periods: hired, change: { from: '2024-12-31', to: null, values: { location: 'Paris' } }, code: 'BAD_USER_INPUT', field: 'effectiveFrom' },
    {
      name: 'after the termination date',
      periods: hired,
      change: { from: '2026-07-01', to: null, values: { location: 'Paris' } },
      code: 'BAD_USER_INPUT',
      field: 'effectiveFrom',
      terminationDate: '2026-06-30',
    },
    { name: 'an end before the start', periods: hired, change: { from: '2026-03-01', to: '2026-02-01', values: { location: 'Paris' } }, code: 'BAD_USER_INPUT', field: 'effectiveTo' },
    {
      name: 'a window overlapping another change of the same attribute',
      periods: [
        { ...base, effective_from: '2025-01-01', effective_to: '2026-03-14' },
        { ...base, cost_center_id: 'cc3', effective_from: '2026-03-15', effective_to: null },
      ],
      change: { from: '2026-03-01', to: '2026-03-31', values: { cost_center_id: 'cc2' } },
      code: 'CONFLICT',
      field: 'effectiveTo',
    },
  ];
  for (const { name, periods, change, code, field, terminationDate } of refusals) {
    it(`refuses ${name} (${code})`, () =>
      assert.throws(
        () => applyDatedChange(periods, change, { hireDate: '2025-01-01', terminationDate: terminationDate ?? null }),
        (error: unknown) => error instanceof DomainError && error.code === code && error.details.field === field,
      ));
  }

  it('reads the period in effect on a day, and the first one before the hire date', () => {
    const periods = applyDatedChange(hired, { from: '2026-03-01', to: null, values: { cost_center_id: 'cc2' } }, employment);
    assert.equal(periodOn(periods, '2026-02-28')?.cost_center_id, 'cc1');
    assert.equal(periodOn(periods, '2026-03-01')?.cost_center_id, 'cc2');
    assert.equal(periodOn(periods, '2024-06-01'), undefined);
    assert.equal(valuesToday(periods, '2024-06-01').cost_center_id, 'cc1');
  });

  it('moves the first period with the hire date, but not past the next dated change', () => {
    const periods = applyDatedChange(hired, { from: '2026-03-01', to: null, values: { cost_center_id: 'cc2' } }, employment);
    assert.equal(rebaseOnHireDate(periods, '2024-10-01')[0].effective_from, '2024-10-01');
    assert.throws(() => rebaseOnHireDate(periods, '2026-03-01'), (error: unknown) => error instanceof DomainError && error.code === 'BAD_USER_INPUT');
  });
});

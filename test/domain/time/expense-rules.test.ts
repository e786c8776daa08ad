import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import {
  checkExpenseAmount,
  expenseRuleCodes,
  validateExpense,
  type ExpenseDraft,
  type ExpenseFacts,
} from '../../../subgraphs/time/domain/expense-rules.ts';
import type { ProjectFacts, WorkerFacts } from '../../../subgraphs/time/work-context.ts';

const project: ProjectFacts = {
  id: 'p-1',
  code: 'P1',
  status: 'ACTIVE',
  legalEntityId: 'le-1',
  currency: 'EUR',
  contractId: 'c-1',
  tasks: [],
  assignments: [
    { id: 'a-1', workerId: 'w-1', roleId: 'r-dev', startDate: '2026-01-01', endDate: '2026-12-31', status: 'CONFIRMED', billRateOverride: null },
    { id: 'a-2', workerId: 'w-1', roleId: 'r-dev', startDate: '2025-01-01', endDate: '2025-12-31', status: 'TENTATIVE', billRateOverride: null },
  ],
  rateCardId: null,
  rates: [],
};
const worker: WorkerFacts = {
  id: 'w-1',
  name: 'Ana',
  status: 'ACTIVE',
  hireDate: '2024-01-01',
  terminationDate: null,
  legalEntityId: 'le-2',
  roleId: 'r-dev',
  managerId: null,
};
const draft: ExpenseDraft = { workerId: 'w-1', projectId: 'p-1', date: '2026-11-20', amount: '42.5', currency: 'EUR', billable: null };
const facts: ExpenseFacts = { today: '2026-11-25', project, worker, closedPeriods: [] };

const codeOf = (run: () => unknown): string | null => {
  try {
    run();
    return null;
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return error.code;
  }
};

describe('expense amount', () => {
  const cases: Array<[amount: string, currency: string, stored: string | null]> = [
    ['42.5', 'EUR', '42.50'],
    ['42', 'EUR', '42.00'],
    ['0.01', 'USD', '0.01'],
    ['1200', 'JPY', '1200'],
    ['1.5', 'KWD', '1.500'],
    ['1.005', 'EUR', null], // more decimals than cents: refused, never rounded
    ['12.5', 'JPY', null],
    ['1.0005', 'KWD', null],
    ['0', 'EUR', null],
    ['0.00', 'EUR', null],
    ['-3.00', 'EUR', null],
    ['abc', 'EUR', null],
    ['1e3', 'EUR', null],
    ['100000000000000', 'EUR', null],
    ['10.00', 'eur', null],
    ['10.00', 'EURO', null],
  ];
  for (const [amount, currency, stored] of cases) {
    it(`${amount} ${currency} → ${stored ?? 'BAD_USER_INPUT'}`, () => {
      if (stored !== null) return assert.equal(checkExpenseAmount('expense x', amount, currency), stored);
      assert.throws(
        () => checkExpenseAmount('expense x', amount, currency),
        (error: DomainError) => error.code === 'BAD_USER_INPUT' && /^expense x: BAD_USER_INPUT — amount\.(amount|currency)/.test(error.message),
      );
    });
  }
});

describe('expense rules, in order', () => {
  it('passes a valid expense: amount padded to the minor unit, billable defaulting to the project having a contract', () => {
    assert.deepEqual(validateExpense('e', draft, facts), { ...draft, amount: '42.50', billable: true });
    const internal = { ...project, contractId: null };
    assert.equal(validateExpense('e', draft, { ...facts, project: internal }).billable, false);
    assert.equal(validateExpense('e', { ...draft, billable: false }, facts).billable, false);
    assert.equal(validateExpense('e', { ...draft, date: facts.today }, facts).date, facts.today, 'today is not the future');
  });

  const failures: Array<[name: string, code: string, over: Partial<ExpenseDraft>, factsOver?: Partial<ExpenseFacts>]> = [
    ['bad amount before anything else', 'BAD_USER_INPUT', { amount: '0', date: '2030-01-01' }, { project: null }],
    ['tomorrow', 'FUTURE_DATE', { date: '2026-11-26' }, { project: null }],
    ['no project', 'NOT_FOUND', {}, { project: null }],
    ['no worker', 'NOT_FOUND', {}, { worker: null }],
    ['project on hold', 'PROJECT_NOT_ACTIVE', {}, { project: { ...project, status: 'ON_HOLD' } }],
    ['worker inactive', 'WORKER_NOT_ACTIVE', {}, { worker: { ...worker, status: 'INACTIVE' } }],
    ['before hire', 'WORKER_NOT_ACTIVE', { date: '2023-12-31' }],
    ['after termination', 'WORKER_NOT_ACTIVE', {}, { worker: { ...worker, terminationDate: '2026-11-19' } }],
    ['only a tentative assignment covers it', 'NOT_ASSIGNED', { date: '2025-06-01' }],
    ['billable without a contract', 'NOT_BILLABLE', { billable: true }, { project: { ...project, contractId: null } }],
    [
      'closed period of the project entity',
      'PERIOD_LOCKED',
      {},
      { closedPeriods: [{ legalEntityId: 'le-1', periodStart: '2026-11-01', periodEnd: '2026-11-30', graceUntil: null }] },
    ],
    [
      'closed period of the worker entity when the project has none',
      'PERIOD_LOCKED',
      {},
      { project: { ...project, legalEntityId: null }, closedPeriods: [{ legalEntityId: 'le-2', periodStart: '2026-11-01', periodEnd: '2026-11-30', graceUntil: null }] },
    ],
  ];
  for (const [name, code, over, factsOver] of failures) {
    it(`${code}: ${name}`, () => {
      assert.equal(codeOf(() => validateExpense('expense on 2026-11-20 for project p-1', { ...draft, ...over }, { ...facts, ...factsOver })), code);
    });
  }

  it('names the expense and the rule in the message', () => {
    assert.throws(
      () => validateExpense('expense on 2026-11-20 for project p-1', { ...draft, billable: true }, { ...facts, project: { ...project, contractId: null } }),
      /expense on 2026-11-20 for project p-1: NOT_BILLABLE — project P1 has no contract/,
    );
  });

  it('a closed period of another legal entity does not lock the expense', () => {
    const other = [{ legalEntityId: 'le-2', periodStart: '2026-11-01', periodEnd: '2026-11-30', graceUntil: null }];
    assert.equal(validateExpense('e', draft, { ...facts, closedPeriods: other }).amount, '42.50');
  });

  it('lists its codes in the order checked', () => {
    assert.deepEqual(expenseRuleCodes, ['BAD_USER_INPUT', 'FUTURE_DATE', 'NOT_FOUND', 'PROJECT_NOT_ACTIVE', 'WORKER_NOT_ACTIVE', 'NOT_ASSIGNED', 'NOT_BILLABLE', 'PERIOD_LOCKED']);
  });
});

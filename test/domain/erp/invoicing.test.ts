import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromScaled, toScaled } from '../../../lib/decimal.ts';
import { DomainError } from '../../../lib/errors.ts';
import { invoiceTotals } from '../../../subgraphs/erp/domain/invoice.ts';
import {
  allocateGroupAmounts,
  applyPayment,
  assertInvoiceTransition,
  groupLines,
  planDrafts,
  printedLineAmounts,
  type DraftableEvent,
  type GroupableLine,
} from '../../../subgraphs/erp/domain/invoicing.ts';
import { lineAmount } from '../../../subgraphs/erp/domain/money.ts';
import type { InvoiceStatus } from '../../../subgraphs/erp/tables.ts';

let seq = 0;
/** A time entry's billing event as posting writes it: amount = hours × rate rounded half-up to the cent. */
const timeEvent = (hours: string, rate: string, over: Partial<DraftableEvent> = {}): DraftableEvent => {
  seq += 1;
  const currency = over.currency ?? 'EUR';
  return {
    id: `e-${String(seq).padStart(4, '0')}`, sourceType: 'TIME_ENTRY', sourceId: `te-${seq}`, contractId: 'c-1', projectId: 'p-1',
    legalEntityId: 'le-de', date: '2026-11-02', description: `entry ${seq}`, hours, rate, amount: lineAmount(hours, rate, currency), currency, ...over,
  };
};

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error.code;
  }
  assert.fail('expected a DomainError');
};

describe('drafting: one line per billing event, subtotal = sum of rounded lines, tax rounded once', () => {
  it('thirty entries of a third of an hour at 100.01: each line rounds, the subtotal sums the rounded lines', () => {
    const events = Array.from({ length: 30 }, () => timeEvent('0.33', '100.01'));
    assert.equal(events[0].amount, '33.00'); // 33.0033 → 33.00
    const [draft] = planDrafts(events, '19');
    assert.equal(draft.lines.length, 30);
    assert.equal(draft.totals.subtotal, '990.00'); // 30 × 33.00, not 9.90 h × 100.01 = 990.099
    assert.equal(draft.totals.taxTotal, '188.10'); // 990.00 × 19 % = 188.1
    assert.equal(draft.totals.total, '1178.10');
  });

  it('rates with cents and halves: 1.33 h × 87.50 = 116.375 → 116.38, 0.67 h × 100.05 = 67.0335 → 67.03; tax 19 % of 183.41 = 34.8479 → 34.85', () => {
    const [draft] = planDrafts([timeEvent('1.33', '87.50'), timeEvent('0.67', '100.05')], '19');
    assert.deepEqual(draft.lines.map((line) => [line.quantity, line.unitPrice, line.amount]), [['1.33', '87.50', '116.38'], ['0.67', '100.05', '67.03']]);
    assert.deepEqual(draft.totals, { subtotal: '183.41', taxTotal: '34.85', total: '218.26' });
  });

  it('tax is rounded once per invoice, not per line: three lines of 0.05 at 10 % tax 0.02 (per line it would be 0.03)', () => {
    const lines = ['0.05', '0.05', '0.05'];
    assert.deepEqual(invoiceTotals(lines, '10', 'EUR'), { subtotal: '0.15', taxTotal: '0.02', total: '0.17' }); // 0.015 → 0.02
    const perLine = lines.reduce((sum, amount) => sum + toScaled(invoiceTotals([amount], '10', 'EUR').taxTotal, 2), 0n);
    assert.equal(perLine, 3n, 'rounding each line would give 0.03: the rule is once per invoice');
  });

  it('a fractional tax rate on many small lines: 8.875 % of 47 × 0.07 = 3.29 → 0.291988 → 0.29', () => {
    const events = Array.from({ length: 47 }, () => timeEvent('0.01', '7.00', { currency: 'USD' }));
    const [draft] = planDrafts(events, '8.875');
    assert.deepEqual(draft.totals, { subtotal: '3.29', taxTotal: '0.29', total: '3.58' });
  });

  it('JPY has no minor unit: 2.5 h × 12345 = 30862.5 → 30863, tax 10 % = 3086.3 → 3086', () => {
    const [draft] = planDrafts([timeEvent('2.50', '12345', { currency: 'JPY' })], '10');
    assert.deepEqual(draft.totals, { subtotal: '30863', taxTotal: '3086', total: '33949' });
  });

  it('never adds unlike currencies: one draft per currency; lines in date order; no rate yet → no tax', () => {
    const drafts = planDrafts(
      [timeEvent('1.00', '100.00', { date: '2026-11-05' }), timeEvent('2.00', '90.00', { currency: 'USD' }), timeEvent('1.00', '50.00', { date: '2026-11-01' })],
      null,
    );
    assert.deepEqual(
      drafts.map((draft) => [draft.currency, draft.periodStart, draft.lines.map((line) => line.amount), draft.totals.total]),
      [['EUR', '2026-11-01', ['50.00', '100.00'], '150.00'], ['USD', '2026-11-02', ['180.00'], '180.00']],
    );
    assert.equal(drafts[0].totals.taxTotal, '0.00');
  });

  it('an event priced without hours (an expense) is one unit at its amount', () => {
    const [draft] = planDrafts([{ ...timeEvent('1', '1'), sourceType: 'EXPENSE', hours: null, rate: null, amount: '84.30' }], '19');
    assert.deepEqual([draft.lines[0].quantity, draft.lines[0].unitPrice, draft.lines[0].amount], ['1', '84.30', '84.30']);
  });
});

describe('grouping prints lines: by key, then by rate (hour-priced) or source type; the groups add up to the subtotal', () => {
  const line = (id: string, over: Partial<GroupableLine>): GroupableLine => ({
    id, sourceType: 'TIME_ENTRY', description: `line ${id}`, quantity: '0.33', rate: '100.00', amount: '33.00', currency: 'EUR', projectId: 'p-1',
    workerId: 'w-ana', roleId: 'r-dev', taskId: 't-1', ...over,
  });
  const lines = [
    line('l1', {}),
    line('l2', { workerId: 'w-ben', roleId: 'r-pm', quantity: '1.33', rate: '87.50', amount: '116.38' }),
    line('l3', { projectId: 'p-2', taskId: 't-2', quantity: '0.67', amount: '67.00' }),
    line('l4', { sourceType: 'EXPENSE', workerId: 'w-ana', roleId: null, taskId: null, quantity: '1', rate: null, amount: '84.30' }),
  ];
  const view = (grouping: Parameters<typeof groupLines>[0]) =>
    groupLines(grouping, lines).map((group) => [group.key, group.sourceType, group.hours, group.unitRate, group.amount.amount, group.lines.map((member) => member.id)]);

  it('BY_PROJECT: another rate, another printed line; expenses apart', () =>
    assert.deepEqual(view('BY_PROJECT'), [
      ['p-1', 'TIME_ENTRY', '0.33', '100.00', '33.00', ['l1']],
      ['p-1', 'TIME_ENTRY', '1.33', '87.50', '116.38', ['l2']],
      ['p-2', 'TIME_ENTRY', '0.67', '100.00', '67.00', ['l3']],
      ['p-1', 'EXPENSE', '0.00', null, '84.30', ['l4']],
    ]));
  it('BY_ROLE: an expense has no role', () =>
    assert.deepEqual(view('BY_ROLE'), [
      ['r-dev', 'TIME_ENTRY', '1.00', '100.00', '100.00', ['l1', 'l3']],
      ['r-pm', 'TIME_ENTRY', '1.33', '87.50', '116.38', ['l2']],
      [null, 'EXPENSE', '0.00', null, '84.30', ['l4']],
    ]));
  it('BY_WORKER', () =>
    assert.deepEqual(view('BY_WORKER'), [
      ['w-ana', 'TIME_ENTRY', '1.00', '100.00', '100.00', ['l1', 'l3']],
      ['w-ben', 'TIME_ENTRY', '1.33', '87.50', '116.38', ['l2']],
      ['w-ana', 'EXPENSE', '0.00', null, '84.30', ['l4']],
    ]));
  it('BY_TASK', () =>
    assert.deepEqual(view('BY_TASK'), [
      ['t-1', 'TIME_ENTRY', '0.33', '100.00', '33.00', ['l1']],
      ['t-1', 'TIME_ENTRY', '1.33', '87.50', '116.38', ['l2']],
      ['t-2', 'TIME_ENTRY', '0.67', '100.00', '67.00', ['l3']],
      [null, 'EXPENSE', '0.00', null, '84.30', ['l4']],
    ]));
  it('PER_ENTRY: one group per line, labelled with its description; otherwise the name kept when drafted', () => {
    const groups = groupLines('PER_ENTRY', lines);
    assert.deepEqual(groups.map((group) => [group.key, group.label]), lines.map((l) => [l.id, l.description]));
    const named = groupLines('BY_ROLE', lines.map((l) => ({ ...l, groupLabel: l.roleId ? `role ${l.roleId}` : null })));
    assert.deepEqual(named.map((group) => group.label), ['role r-dev', 'role r-pm', null]);
  });
  it('every grouping sums to the subtotal', () => {
    const subtotal = invoiceTotals(lines.map((l) => l.amount), '0', 'EUR').subtotal;
    for (const grouping of ['PER_ENTRY', 'BY_PROJECT', 'BY_ROLE', 'BY_WORKER', 'BY_TASK'] as const) {
      const sum = groupLines(grouping, lines).reduce((total, group) => total + toScaled(group.amount.amount, 2), 0n);
      assert.equal(sum, toScaled(subtotal, 2), grouping);
    }
  });
});

describe('group rounding: a printed line is hours × rate rounded once, shared out to its lines by largest remainder', () => {
  const hourly = (id: string, hours: string, rate: string, over: Partial<GroupableLine> = {}): GroupableLine => ({
    id, sourceType: 'TIME_ENTRY', description: id, quantity: hours, rate, amount: lineAmount(hours, rate, over.currency ?? 'EUR'), currency: 'EUR',
    projectId: 'p-1', workerId: 'w-ana', roleId: 'r-dev', taskId: 't-1', ...over,
  });
  const shares = (grouping: Parameters<typeof allocateGroupAmounts>[0], lines: GroupableLine[]) => lines.map((l) => allocateGroupAmounts(grouping, lines).get(l.id));
  const sum = (amounts: Array<string | undefined>) => fromScaled(amounts.reduce((total, amount) => total + toScaled(amount!, 2), 0n), 2);

  it('seven quarter hours at 93.30: 1.75 h × 93.30 = 163.275 → 163.28, where the lines rounded each sum to 163.31', () => {
    const lines = Array.from({ length: 7 }, (_, i) => hourly(`l${i}`, '0.25', '93.30'));
    assert.equal(sum(lines.map((l) => l.amount)), '163.31', '7 × 23.33: the face would not add up');
    const allocated = shares('BY_ROLE', lines);
    assert.deepEqual(allocated, ['23.32', '23.32', '23.32', '23.32', '23.32', '23.32', '23.32'].map((floor, i) => (i < 4 ? '23.33' : floor)));
    assert.equal(sum(allocated), '163.28');
    assert.equal(lineAmount('1.75', '93.30', 'EUR'), '163.28');
  });

  it('three thirds of an hour at 100.01: 0.99 h = 99.0099 → 99.01; the earliest of equal remainders takes the cent', () => {
    assert.deepEqual(shares('BY_WORKER', [hourly('a', '0.33', '100.01'), hourly('b', '0.33', '100.01'), hourly('c', '0.33', '100.01')]), ['33.01', '33.00', '33.00']);
  });

  it('the largest remainder takes the cent, and a line worth an exact amount keeps it', () => {
    // 0.33 × 101.01 = 33.3333, 0.17 × 101.01 = 17.1717, 1.00 × 101.01 = 101.01 exactly: 1.50 h = 151.515 → 151.52.
    const lines = [hourly('a', '0.33', '101.01'), hourly('b', '0.17', '101.01'), hourly('c', '1.00', '101.01')];
    assert.deepEqual(shares('BY_PROJECT', lines), ['33.34', '17.17', '101.01']);
    assert.equal(sum(shares('BY_PROJECT', lines)), lineAmount('1.50', '101.01', 'EUR'));
  });

  it('each line moves at most one minor unit from its exact value; other rates, keys and unit-priced lines are their own groups', () => {
    const lines = [
      hourly('a', '0.25', '93.30'), hourly('b', '0.25', '93.30', { roleId: 'r-pm' }), hourly('c', '0.25', '93.35'),
      { ...hourly('d', '1', '0'), sourceType: 'EXPENSE' as const, rate: null, amount: '12.34' },
    ];
    assert.deepEqual(shares('BY_ROLE', lines), ['23.33', '23.33', '23.34', '12.34']);
  });

  it('PER_ENTRY: each line is its own printed line and keeps its event\'s amount', () => {
    const lines = Array.from({ length: 3 }, (_, i) => hourly(`l${i}`, '0.33', '100.01'));
    assert.deepEqual(shares('PER_ENTRY', lines), ['33.00', '33.00', '33.00']);
  });

  it('JPY: two half hours at 101 = 101 yen, not 51 + 51', () => {
    const lines = [hourly('a', '0.50', '101', { currency: 'JPY' }), hourly('b', '0.50', '101', { currency: 'JPY' })];
    assert.deepEqual(lines.map((l) => l.amount), ['51', '51']);
    assert.deepEqual(shares('BY_TASK', lines), ['51', '50']);
  });

  it('drafting shares the groups out and names the events whose amount changed', () => {
    const events = Array.from({ length: 7 }, () => timeEvent('0.25', '93.30', { roleId: 'r-dev' }));
    const [draft] = planDrafts(events, '19', 'BY_ROLE');
    assert.deepEqual(draft.lines.map((l) => l.amount), ['23.33', '23.33', '23.33', '23.33', '23.32', '23.32', '23.32']);
    assert.deepEqual(draft.totals, { subtotal: '163.28', taxTotal: '31.02', total: '194.30' });
    assert.deepEqual(draft.reallocated, events.slice(4).map((e) => ({ billingEventId: e.id, amount: '23.32', previousAmount: '23.33' })));
    assert.deepEqual(planDrafts(events, '19')[0].reallocated, [], 'PER_ENTRY changes nothing');
  });

  it('LINE tax rounds each printed line: BY_ROLE one group line, PER_ENTRY every line', () => {
    // Three lines of 0.33 h × 145.55 = 48.0315 → 48.03; one group line of 0.99 h = 144.0945 → 144.09.
    const lines = [hourly('a', '0.33', '145.55'), hourly('b', '0.33', '145.55'), hourly('c', '0.33', '145.55')];
    const allocated = lines.map((l) => ({ ...l, amount: allocateGroupAmounts('BY_ROLE', lines).get(l.id)! }));
    assert.deepEqual(invoiceTotals(printedLineAmounts('BY_ROLE', allocated), '19', 'EUR', 'LINE'), { subtotal: '144.09', taxTotal: '27.38', total: '171.47' });
    assert.deepEqual(invoiceTotals(printedLineAmounts('PER_ENTRY', lines), '19', 'EUR', 'LINE'), { subtotal: '144.09', taxTotal: '27.39', total: '171.48' });
  });
});

describe('invoice lifecycle: DRAFT → ISSUED → PARTIALLY_PAID → PAID; DRAFT | unpaid ISSUED → VOID', () => {
  const statuses: InvoiceStatus[] = ['DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID'];
  const legal = { issue: ['DRAFT'], void: ['DRAFT', 'ISSUED'], pay: ['ISSUED', 'PARTIALLY_PAID'] } as const;
  for (const [action, allowed] of Object.entries(legal) as Array<[keyof typeof legal, readonly InvoiceStatus[]]>) {
    for (const status of statuses) {
      it(`${action} from ${status}: ${allowed.includes(status) ? 'allowed' : 'INVALID_TRANSITION'}`, () => {
        if (allowed.includes(status)) assertInvoiceTransition(status, action);
        else assert.equal(code(() => assertInvoiceTransition(status, action)), 'INVALID_TRANSITION');
      });
    }
  }
  it('an ISSUED invoice with a payment or a credit note is not voided', () => {
    assert.equal(code(() => assertInvoiceTransition('ISSUED', 'void', { paid: '0.01', credited: '0' })), 'INVALID_TRANSITION');
    assert.equal(code(() => assertInvoiceTransition('ISSUED', 'void', { paid: '0', credited: '10.00' })), 'INVALID_TRANSITION');
  });
});

describe('payments', () => {
  const invoice = { currency: 'EUR', total: '218.26', paid: '0', credited: '0' };
  it('a part payment leaves PARTIALLY_PAID with the rest open; the rest makes it PAID', () => {
    assert.deepEqual(applyPayment(invoice, { amount: '100.00', currency: 'EUR' }), { status: 'PARTIALLY_PAID', balance: '118.26' });
    assert.deepEqual(applyPayment({ ...invoice, paid: '100.00' }, { amount: '118.26', currency: 'EUR' }), { status: 'PAID', balance: '0.00' });
  });
  it('credit notes reduce what is owed', () =>
    assert.deepEqual(applyPayment({ ...invoice, credited: '18.26' }, { amount: '200.00', currency: 'EUR' }), { status: 'PAID', balance: '0.00' }));
  it('a cent more than the balance is OVERPAYMENT', () =>
    assert.equal(code(() => applyPayment({ ...invoice, paid: '100.00' }, { amount: '118.27', currency: 'EUR' })), 'OVERPAYMENT'));
  it('another currency is CURRENCY_MISMATCH, never converted', () =>
    assert.equal(code(() => applyPayment(invoice, { amount: '10.00', currency: 'USD' })), 'CURRENCY_MISMATCH'));
});

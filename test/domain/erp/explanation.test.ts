import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainBillingEvent, explainCostPosting, explainInvoiceLine } from '../../../subgraphs/erp/domain/explanation.ts';
import type { BillingEventChangeRow, BillingEventRow, CostPostingRow, InvoiceLineRow } from '../../../subgraphs/erp/tables.ts';

const at = new Date('2026-11-21T09:00:00Z');
const event = (over: Partial<BillingEventRow> = {}): BillingEventRow => ({
  id: 'be-1', source_type: 'EXPENSE', source_id: 'ex-1', contract_id: 'c-1', project_id: 'p-1', customer_id: 'cu-1', legal_entity_id: 'le-1',
  worker_id: 'w-1', role_id: null, task_id: null, date: '2026-11-20', description: 'Expense', hours: null, rate: null, amount: '94.84',
  currency: 'EUR', fx_rate: '1.083250', functional_currency: 'USD', functional_amount: '102.74', status: 'UNBILLED', held_reason: null,
  reversed_at: null, created_at: at, updated_at: at,
  basis: { approval: { approvedBy: 'w-2', approvedAt: at.toISOString() }, expense: { cost: { amount: '84.30', currency: 'EUR' }, markupPercent: '12.5' } },
  ...over,
});
const change = (over: Partial<BillingEventChangeRow>): BillingEventChangeRow => ({
  id: 1, billing_event_id: 'be-1', changed_at: at, old_status: 'UNBILLED', new_status: 'UNBILLED', old_held_reason: null, new_held_reason: null,
  old_amount: '94.84', new_amount: '94.84', old_fx_rate: '1.083250', new_fx_rate: '1.083250', old_functional_amount: '102.74',
  new_functional_amount: '102.74', ...over,
});

describe('explaining an amount from what erp kept', () => {
  it('an expense: cost × (1 + markup ÷ 100), half-up once, then converted', () => {
    const explained = explainBillingEvent(event(), []);
    assert.deepEqual([explained.baseAmount, explained.markupPercent, explained.exactAmount, explained.computedAmount], [
      { amount: '84.30', currency: 'EUR' }, '12.5', '94.8375', { amount: '94.84', currency: 'EUR' },
    ]);
    // 94.84 × 1.08325 = 102.73543 → 102.74
    assert.deepEqual(explained.fx, { rate: '1.08325', date: '2026-11-20', exactAmount: '102.73543', amount: { amount: '102.74', currency: 'USD' } });
    assert.deepEqual(explained.sources, [{ type: 'EXPENSE', id: 'ex-1', approval: { approvedBy: 'w-2', approvedAt: at.toISOString() } }]);
    assert.equal(explained.summary, '84.30 EUR × (1 + 12.5 ÷ 100) = 94.8375 → 94.84 EUR (half-up to 2 decimals)');
  });

  it('time moved by an invoice group share-out: computed by its own rounding, the change says by how much', () => {
    const time = event({ source_type: 'TIME_ENTRY', hours: '0.33', rate: '100.05', amount: '33.03', basis: null });
    const explained = explainBillingEvent(time, [
      change({ old_amount: '33.02', new_amount: '33.03', new_status: 'BILLED' }),
    ]);
    assert.deepEqual([explained.exactAmount, explained.computedAmount.amount, explained.amount.amount, explained.rateRule], ['33.0165', '33.02', '33.03', null]);
    assert.deepEqual(explained.changes.map((each) => [each.kind, each.description]), [['BILLED', 'UNBILLED → BILLED; amount 33.02 → 33.03 EUR']]);
    assert.match(explained.summary, /; now 33\.03 EUR after the changes listed$/);
  });

  it('a unit-priced source keeps the amount it was written with; a hold, a conversion and an amount change are told apart', () => {
    const milestone = event({ source_type: 'MILESTONE', source_id: 'm-1', amount: '5000.00', basis: null, status: 'UNBILLED' });
    const explained = explainBillingEvent(milestone, [
      change({ old_amount: '5000.00', new_amount: '5000.00', old_status: 'UNBILLED', new_status: 'HELD', new_held_reason: 'CAP_REACHED' }),
      change({ id: 2, old_status: 'HELD', new_status: 'UNBILLED', old_held_reason: 'CAP_REACHED', old_amount: '5000.00', new_amount: '5000.00' }),
      change({ id: 3, old_fx_rate: null, old_functional_amount: null, old_amount: '5000.00', new_amount: '5000.00' }),
    ]);
    assert.deepEqual(explained.changes.map((each) => each.kind), ['HELD', 'RELEASED', 'CONVERTED']);
    assert.deepEqual([explained.exactAmount, explained.computedAmount.amount], ['5000', '5000.00']);
    assert.equal(explained.summary, '5000.00 EUR, as its milestone m-1 set it');
  });

  it('an adjustment line without an event, and a cost posting by its cost rate period', () => {
    const line = { id: 'l-1', quantity: '3', unit_price: '19.995', amount: '59.99', currency: 'EUR', billing_event_id: null } as InvoiceLineRow;
    assert.deepEqual([explainInvoiceLine(line, null, []).exactAmount, explainInvoiceLine(line, null, []).computedAmount.amount], ['59.985', '59.99']);
    const posting = {
      id: 'cp-1', source_type: 'TIME_ENTRY', source_id: 'te-1', hours: '7.50', cost_rate: '65.00', amount: '487.50', currency: 'EUR', reversal_of: null,
      basis: { costRate: { id: 'cr-1', effectiveFrom: '2026-01-01', effectiveTo: null } },
    } as CostPostingRow;
    const cost = explainCostPosting(posting);
    assert.deepEqual([cost.rateRule?.kind, cost.exactAmount, cost.computedAmount.amount], ['COST_RATE', '487.5', '487.50']);
  });
});

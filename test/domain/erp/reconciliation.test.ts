import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignmentOnInactiveWorker, closedThrough, diffFindings, findingKey, type Finding } from '../../../subgraphs/erp/domain/reconciliation.ts';

const finding = (id: string): Finding => ({ type: 'INVOICE_TOTAL_MISMATCH', subjects: [{ typename: 'Invoice', id }], detail: id });

describe('reconciliation rules', () => {
  it('a run adds what is new once, keeps what stands, clears what it no longer finds', () => {
    const open = [
      { id: 'e1', type: 'INVOICE_TOTAL_MISMATCH', key: findingKey(finding('a')) },
      { id: 'e2', type: 'INVOICE_TOTAL_MISMATCH', key: findingKey(finding('b')) },
    ];
    const { added, cleared, standing } = diffFindings(open, [finding('a'), finding('c'), finding('c')]);
    assert.deepEqual(added.map((f) => f.key), ['Invoice:c']);
    assert.deepEqual(cleared.map((e) => e.id), ['e2']);
    assert.equal(standing, 1);
  });

  it('the same records under another type are another exception', () => {
    const open = [{ id: 'e1', type: 'BILLING_EVENT_NOT_INVOICED', key: 'Invoice:a' }];
    const { added, cleared } = diffFindings(open, [finding('a')]);
    assert.equal(added.length, 1);
    assert.equal(cleared.length, 1);
  });

  it('a month is closed once its end plus the grace time has passed', () => {
    assert.equal(closedThrough(new Date('2026-12-01T00:30:00Z'), 60), '2026-10-31');
    assert.equal(closedThrough(new Date('2026-12-01T01:00:00Z'), 60), '2026-11-30');
    assert.equal(closedThrough(new Date('2026-01-15T00:00:00Z'), 0), '2025-12-31');
  });

  it('an assignment on an inactive worker runs past the termination date and is not cancelled', () => {
    const worker = { id: 'w', status: 'INACTIVE', terminationDate: '2026-06-30' };
    const base = { id: 'a', endDate: '2026-07-31', status: 'CONFIRMED', worker };
    assert.equal(assignmentOnInactiveWorker(base, '2026-12-02')?.type, 'ASSIGNMENT_ON_INACTIVE_WORKER');
    assert.equal(assignmentOnInactiveWorker({ ...base, endDate: '2026-06-30' }, '2026-12-02'), null);
    assert.equal(assignmentOnInactiveWorker({ ...base, status: 'CANCELLED' }, '2026-12-02'), null);
    assert.equal(assignmentOnInactiveWorker({ ...base, worker: { ...worker, status: 'ACTIVE' } }, '2026-12-02'), null);
  });
});

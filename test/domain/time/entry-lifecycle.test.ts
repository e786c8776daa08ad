import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { checkReason, transition, type EntryAction } from '../../../subgraphs/time/domain/entry-lifecycle.ts';
import type { EntryStatus } from '../../../subgraphs/time/tables.ts';

const statuses: EntryStatus[] = ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'];
const actions: EntryAction[] = ['SUBMIT', 'APPROVE', 'REJECT', 'RECALL', 'CANCEL_APPROVAL'];
const withReason = new Set<EntryAction>(['REJECT', 'CANCEL_APPROVAL']);

/** Every (status, action) pair: the resulting status and history step, or null for INVALID_TRANSITION. */
const expected: Record<EntryAction, Partial<Record<EntryStatus, [to: EntryStatus, record: string]>>> = {
  SUBMIT: { DRAFT: ['SUBMITTED', 'SUBMITTED'], REJECTED: ['SUBMITTED', 'SUBMITTED'] },
  APPROVE: { SUBMITTED: ['APPROVED', 'APPROVED'] },
  REJECT: { SUBMITTED: ['REJECTED', 'REJECTED'], APPROVED: ['REJECTED', 'REJECTED'] },
  RECALL: { SUBMITTED: ['DRAFT', 'RECALLED'] },
  CANCEL_APPROVAL: { APPROVED: ['SUBMITTED', 'APPROVAL_CANCELLED'] },
};

describe('entry lifecycle', () => {
  for (const action of actions) {
    for (const status of statuses) {
      const outcome = expected[action][status];
      it(`${action} from ${status} → ${outcome ? outcome[0] : 'INVALID_TRANSITION'}`, () => {
        if (outcome) {
          const step = transition({ id: 'e-1', status }, action, 'too many hours');
          assert.deepEqual([step.to, step.record], outcome);
          assert.equal(step.reason, withReason.has(action) ? 'too many hours' : null);
        } else {
          assert.throws(
            () => transition({ id: 'e-1', status }, action, 'x'),
            (error: DomainError) =>
              error.code === 'INVALID_TRANSITION' && error.message.includes('e-1') && error.message.includes(status) && error.message.includes(action),
          );
        }
      });
    }
  }

  for (const action of withReason) {
    for (const reason of [undefined, null, '', '   ']) {
      it(`${action} needs a reason (${JSON.stringify(reason)})`, () => {
        assert.throws(() => transition({ id: 'e-1', status: 'APPROVED' }, action, reason), (error: DomainError) => error.code === 'BAD_USER_INPUT');
      });
    }
  }

  it('a reversed entry takes no action: its correction does', () => {
    for (const action of actions) {
      assert.throws(
        () => transition({ id: 'e-1', status: 'APPROVED', reversedAt: new Date() }, action, 'x'),
        (error: DomainError) => error.code === 'INVALID_TRANSITION' && error.message.includes('correction'),
      );
    }
  });

  it('trims the reason and bounds its length', () => {
    assert.equal(checkReason('  wrong project ', 'a rejection'), 'wrong project');
    assert.throws(() => checkReason('x'.repeat(2001), 'a rejection'), (error: DomainError) => error.code === 'BAD_USER_INPUT');
  });
});

describe('entry lifecycle of an expense', () => {
  it('the same table, with messages naming the expense', () => {
    assert.deepEqual(
      [transition({ id: 'x-1', status: 'SUBMITTED' }, 'APPROVE', null, 'expense').to, transition({ id: 'x-1', status: 'APPROVED' }, 'CANCEL_APPROVAL', 'late', 'expense').to],
      ['APPROVED', 'SUBMITTED'],
    );
    assert.throws(
      () => transition({ id: 'x-1', status: 'DRAFT' }, 'APPROVE', null, 'expense'),
      (error: DomainError) => error.code === 'INVALID_TRANSITION' && error.message === 'expense x-1 is DRAFT: APPROVE needs SUBMITTED',
    );
    assert.throws(
      () => transition({ id: 'e-1', status: 'DRAFT' }, 'APPROVE'),
      (error: DomainError) => error.message === 'time entry e-1 is DRAFT: APPROVE needs SUBMITTED',
      'time entries keep their wording',
    );
  });
});

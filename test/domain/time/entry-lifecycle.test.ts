import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { checkRejectionReason, transition, type EntryAction } from '../../../subgraphs/time/domain/entry-lifecycle.ts';
import type { EntryStatus } from '../../../subgraphs/time/tables.ts';

const statuses: EntryStatus[] = ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'];
const actions: EntryAction[] = ['SUBMIT', 'APPROVE', 'REJECT', 'RECALL'];

/** Every (status, action) pair: the resulting status and history step, or null for INVALID_TRANSITION. */
const expected: Record<EntryAction, Partial<Record<EntryStatus, [to: EntryStatus, record: string]>>> = {
  SUBMIT: { DRAFT: ['SUBMITTED', 'SUBMITTED'], REJECTED: ['SUBMITTED', 'SUBMITTED'] },
  APPROVE: { SUBMITTED: ['APPROVED', 'APPROVED'] },
  REJECT: { SUBMITTED: ['REJECTED', 'REJECTED'] },
  RECALL: { SUBMITTED: ['DRAFT', 'RECALLED'] },
};

describe('entry lifecycle', () => {
  for (const action of actions) {
    for (const status of statuses) {
      const outcome = expected[action][status];
      it(`${action} from ${status} → ${outcome ? outcome[0] : 'INVALID_TRANSITION'}`, () => {
        if (outcome) {
          const step = transition('e-1', status, action, 'too many hours');
          assert.deepEqual([step.to, step.record], outcome);
          assert.equal(step.reason, action === 'REJECT' ? 'too many hours' : null);
        } else {
          assert.throws(
            () => transition('e-1', status, action, 'x'),
            (error: DomainError) =>
              error.code === 'INVALID_TRANSITION' && error.message.includes('e-1') && error.message.includes(status) && error.message.includes(action),
          );
        }
      });
    }
  }

  for (const reason of [undefined, null, '', '   ']) {
    it(`REJECT needs a reason (${JSON.stringify(reason)})`, () => {
      assert.throws(() => transition('e-1', 'SUBMITTED', 'REJECT', reason), (error: DomainError) => error.code === 'BAD_USER_INPUT');
    });
  }

  it('trims the reason and bounds its length', () => {
    assert.equal(checkRejectionReason('  wrong project '), 'wrong project');
    assert.throws(() => checkRejectionReason('x'.repeat(2001)), (error: DomainError) => error.code === 'BAD_USER_INPUT');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertCanComplete, assertMilestoneUpdate, assertWithinFee } from '../../../subgraphs/psa/domain/milestone.ts';
import type { MilestoneStatus, ProjectStatus } from '../../../subgraphs/psa/tables.ts';

describe('milestone rules', () => {
  it('completes only a PLANNED milestone of an activated, open project', () => {
    const milestones: MilestoneStatus[] = ['PLANNED', 'COMPLETED', 'CANCELLED'];
    const projects: ProjectStatus[] = ['DRAFT', 'ACTIVE', 'ON_HOLD', 'CLOSED'];
    for (const milestone of milestones) {
      for (const project of projects) {
        const ok = milestone === 'PLANNED' && (project === 'ACTIVE' || project === 'ON_HOLD');
        if (ok) assert.doesNotThrow(() => assertCanComplete(milestone, project));
        else assert.throws(() => assertCanComplete(milestone, project), { code: 'INVALID_TRANSITION' }, `${milestone} on ${project}`);
      }
    }
  });

  it('edits or cancels only a PLANNED milestone, and never completes one by update', () => {
    assert.doesNotThrow(() => assertMilestoneUpdate('PLANNED', null));
    assert.doesNotThrow(() => assertMilestoneUpdate('PLANNED', 'CANCELLED'));
    assert.throws(() => assertMilestoneUpdate('PLANNED', 'COMPLETED'), { code: 'INVALID_TRANSITION' });
    assert.throws(() => assertMilestoneUpdate('COMPLETED', null), { code: 'INVALID_TRANSITION' });
    assert.throws(() => assertMilestoneUpdate('CANCELLED', 'CANCELLED'), { code: 'INVALID_TRANSITION' });
  });

  it('keeps a fixed fee’s milestones to the fee: refuses a plan past it, even by a cent', () => {
    const fee = { amount: '30000.00', currency: 'EUR' };
    const eur = (amount: string) => ({ amount, currency: 'EUR' });
    assert.doesNotThrow(() => assertWithinFee({ fee, others: ['20000.00'], amount: eur('10000.00') }), 'exactly the fee');
    assert.throws(() => assertWithinFee({ fee, others: ['20000.00'], amount: eur('16000.00') }), (error: any) =>
      error.code === 'BAD_USER_INPUT' && /would bill 36000\.00 EUR, more than its fixed fee of 30000\.00: 10000\.00 is left/.test(error.message));
    assert.throws(() => assertWithinFee({ fee, others: ['20000.00', '9999.99'], amount: eur('0.02') }), { code: 'BAD_USER_INPUT' });
    assert.doesNotThrow(() => assertWithinFee({ fee: null, others: ['20000.00'], amount: eur('16000.00') }), 'no fee to keep to');
    assert.doesNotThrow(() => assertWithinFee({ fee, others: [], amount: { amount: '99999.00', currency: 'USD' } }), 'another currency is held by erp instead');
  });
});

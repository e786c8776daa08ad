import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertCanComplete, assertMilestoneUpdate } from '../../../subgraphs/psa/domain/milestone.ts';
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
});

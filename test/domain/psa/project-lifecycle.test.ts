import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { assertBillingTermsEditable, assertProjectOpen, nextProjectStatus, type ProjectAction } from '../../../subgraphs/psa/domain/project-lifecycle.ts';
import type { ProjectStatus } from '../../../subgraphs/psa/tables.ts';

const statuses: ProjectStatus[] = ['DRAFT', 'ACTIVE', 'ON_HOLD', 'CLOSED'];
const actions: ProjectAction[] = ['activate', 'hold', 'resume', 'close'];

/** DESIGN §1: DRAFT → ACTIVE → ON_HOLD ⇄ ACTIVE → CLOSED; every other (status, action) pair is refused. */
const allowed: Record<string, ProjectStatus> = {
  'DRAFT activate': 'ACTIVE',
  'ACTIVE hold': 'ON_HOLD',
  'ON_HOLD resume': 'ACTIVE',
  'ACTIVE close': 'CLOSED',
};

describe('project lifecycle', () => {
  for (const from of statuses) {
    for (const action of actions) {
      const expected = allowed[`${from} ${action}`];
      it(`${action} from ${from} ${expected ? `→ ${expected}` : 'is INVALID_TRANSITION'}`, () => {
        if (expected) assert.equal(nextProjectStatus(from, action), expected);
        else assert.throws(() => nextProjectStatus(from, action), (error: DomainError) => error.code === 'INVALID_TRANSITION');
      });
    }
  }

  it('freezes the plan of a closed project only', () => {
    for (const status of statuses) {
      if (status === 'CLOSED') assert.throws(() => assertProjectOpen(status, 'tasks'), (e: DomainError) => e.code === 'INVALID_TRANSITION');
      else assert.doesNotThrow(() => assertProjectOpen(status, 'tasks'));
    }
  });

  it('lets billing terms change only while DRAFT', () => {
    for (const status of statuses) {
      if (status === 'DRAFT') assert.doesNotThrow(() => assertBillingTermsEditable(status, 'contractId'));
      else assert.throws(() => assertBillingTermsEditable(status, 'contractId'), (e: DomainError) => e.code === 'INVALID_TRANSITION');
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertStageChange } from '../../../subgraphs/crm/domain/opportunity-stage.ts';
import type { OpportunityStage } from '../../../subgraphs/crm/tables.ts';

const cases: Array<[OpportunityStage, OpportunityStage, 'update' | 'close', 'ok' | 'INVALID_TRANSITION']> = [
  ['PROSPECTING', 'PROPOSAL', 'update', 'ok'],
  ['NEGOTIATION', 'QUALIFICATION', 'update', 'ok'],
  ['PROPOSAL', 'CLOSED_WON', 'update', 'INVALID_TRANSITION'],
  ['PROPOSAL', 'CLOSED_WON', 'close', 'ok'],
  ['QUALIFICATION', 'CLOSED_LOST', 'close', 'ok'],
  ['CLOSED_WON', 'PROPOSAL', 'update', 'INVALID_TRANSITION'],
  ['CLOSED_LOST', 'CLOSED_WON', 'close', 'INVALID_TRANSITION'],
  ['CLOSED_WON', 'CLOSED_WON', 'close', 'INVALID_TRANSITION'],
];

describe('opportunity stage changes', () => {
  for (const [from, to, via, expected] of cases) {
    it(`${from} → ${to} by ${via}: ${expected}`, () => {
      if (expected === 'ok') assert.doesNotThrow(() => assertStageChange(from, to, via));
      else assert.throws(() => assertStageChange(from, to, via), { code: expected });
    });
  }
});

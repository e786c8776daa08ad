import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { assertNoManagerCycle, isInReportingLine, managersAbove } from '../../../subgraphs/hcm/domain/reporting-line.ts';

// ceo ← cto ← lead ← dev; ceo ← cfo
const links = new Map<string, string | null>([
  ['ceo', null],
  ['cto', 'ceo'],
  ['cfo', 'ceo'],
  ['lead', 'cto'],
  ['dev', 'lead'],
]);

describe('managersAbove', () => {
  it('lists the chain nearest first', () => assert.deepEqual(managersAbove('dev', links), ['lead', 'cto', 'ceo']));
  it('is empty at the top', () => assert.deepEqual(managersAbove('ceo', links), []));
  it('stops on a corrupt cycle instead of looping', () => {
    const looped = new Map<string, string | null>([['a', 'b'], ['b', 'c'], ['c', 'a']]);
    assert.deepEqual(managersAbove('a', looped), ['b', 'c']);
  });
});

describe('assertNoManagerCycle', () => {
  const cases: Array<{ worker: string; manager: string | null; refused: boolean }> = [
    { worker: 'dev', manager: 'cfo', refused: false },
    { worker: 'dev', manager: null, refused: false },
    { worker: 'new-hire', manager: 'dev', refused: false },
    { worker: 'lead', manager: 'ceo', refused: false },
    { worker: 'dev', manager: 'dev', refused: true },
    { worker: 'cto', manager: 'dev', refused: true },
    { worker: 'ceo', manager: 'lead', refused: true },
    { worker: 'lead', manager: 'dev', refused: true },
  ];
  for (const { worker, manager, refused } of cases) {
    it(`${worker} managed by ${manager ?? 'nobody'}: ${refused ? 'refused' : 'accepted'}`, () => {
      if (refused) assert.throws(() => assertNoManagerCycle(worker, manager, links), (error: DomainError) => error.code === 'BAD_USER_INPUT');
      else assert.doesNotThrow(() => assertNoManagerCycle(worker, manager, links));
    });
  }
});

describe('isInReportingLine', () => {
  const cases: Array<[string, string, boolean]> = [
    ['dev', 'lead', true],
    ['dev', 'ceo', true],
    ['dev', 'cfo', false],
    ['lead', 'dev', false],
    ['dev', 'dev', false],
  ];
  for (const [worker, manager, expected] of cases) {
    it(`${manager} above ${worker}: ${expected}`, () => assert.equal(isInReportingLine(worker, manager, links), expected));
  }
});

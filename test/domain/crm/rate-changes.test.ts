import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateChanges, type CardRate } from '../../../subgraphs/crm/domain/rate-card.ts';

const rate = (roleId: string, billRate: string, effectiveFrom: string, effectiveTo: string | null = null): CardRate => ({ roleId, billRate, effectiveFrom, effectiveTo });
const stored = [
  { id: 'r1', ...rate('dev', '100.00', '2026-01-01', '2026-06-30') },
  { id: 'r2', ...rate('dev', '110.00', '2026-07-01') },
  { id: 'r3', ...rate('pm', '150.00', '2026-01-01') },
];

/** An upsert gives a rate card's whole set of rates: what stays, what goes, what comes. */
describe('rate card: setting its rates', () => {
  it('changes nothing when the same rates are given, in any order', () => {
    assert.deepEqual(rateChanges(stored, [stored[2], stored[0], stored[1]].map(({ id: _, ...given }) => given)), { removed: [], added: [] });
  });

  it('keeps equal rates with their ids, removes the ones not given and adds the new ones', () => {
    const { removed, added } = rateChanges(stored, [rate('dev', '100.00', '2026-01-01', '2026-06-30'), rate('dev', '115.00', '2026-07-01')]);
    assert.deepEqual(removed.map((r) => r.id), ['r2', 'r3']);
    assert.deepEqual(added, [rate('dev', '115.00', '2026-07-01')]);
  });

  it('sees a changed period or bill rate as another rate', () => {
    assert.deepEqual(rateChanges(stored, [rate('pm', '150.00', '2026-02-01')]).added, [rate('pm', '150.00', '2026-02-01')]);
    assert.equal(rateChanges(stored, [rate('pm', '150.01', '2026-01-01')]).removed.length, 3);
  });

  it('empties a card given no rates', () => {
    assert.deepEqual(rateChanges(stored, []).removed.map((r) => r.id), ['r1', 'r2', 'r3']);
  });
});

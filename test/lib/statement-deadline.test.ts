import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statementTimeoutFor } from '../../lib/db/statement-deadline.ts';

describe('a request\'s statement_timeout', () => {
  it('is the same for the calls of one burst, whose time left differs by a few milliseconds', () => {
    const timeouts = new Set([29_999, 29_950, 29_431, 29_001].map(statementTimeoutFor));
    assert.deepEqual(timeouts, new Set([30_000]));
  });

  it('never ends before the time left: rounded up to the second, to 100 ms under a second', () => {
    assert.equal(statementTimeoutFor(28_999), 29_000);
    assert.equal(statementTimeoutFor(1_000), 1_000);
    assert.equal(statementTimeoutFor(1_001), 2_000);
    assert.equal(statementTimeoutFor(420), 500);
    assert.equal(statementTimeoutFor(0.4), 100);
  });
});

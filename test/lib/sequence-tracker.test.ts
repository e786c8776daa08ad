import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SequenceTracker, sourceOfType } from '../../lib/events/sequence-tracker.ts';

/** Feeds sequences of one source through a tracker as the bus does: handle what is due, note the rest. */
function feed(tracker: SequenceTracker, sequences: number[]) {
  return sequences.map((sequence) => {
    const verdict = tracker.verdict('time', sequence);
    if (verdict === 'handle') tracker.handled('time', sequence);
    return verdict;
  });
}

describe('a consumer group tells duplicates and gaps from the next event', () => {
  it('handles events in sequence and skips what it handled already', () => {
    const tracker = new SequenceTracker();
    assert.deepEqual(feed(tracker, [1, 2, 3, 2, 3, 4]), ['handle', 'handle', 'handle', 'duplicate', 'duplicate', 'handle']);
    assert.equal(tracker.waiting, false);
    assert.deepEqual(tracker.takeChanged(), new Map([['time', 5]]));
    assert.deepEqual(tracker.takeChanged(), new Map(), 'nothing changed since');
  });

  it('starts from the first event it sees when nobody asked for a replay (a new group)', () => {
    const tracker = new SequenceTracker();
    assert.deepEqual(feed(tracker, [40, 41]), ['handle', 'handle']);
  });

  it('holds back what follows a gap, asks for a replay from the gap, and handles the replay in order', () => {
    const tracker = new SequenceTracker(10_000);
    tracker.restore(new Map([['time', 5]]));
    assert.deepEqual(feed(tracker, [5, 8, 9]), ['handle', 'gap', 'gap']);
    assert.equal(tracker.waiting, true);
    assert.deepEqual(tracker.due(1_000), [{ source: 'time', from: 6 }]);
    assert.deepEqual(tracker.due(2_000), [], 'asked already, not yet due again');
    assert.deepEqual(tracker.due(11_000), [{ source: 'time', from: 6 }], 'asked again when no answer came');
    // The replay from 6: 6, 7, 8, 9 in order; then new events go on.
    assert.deepEqual(feed(tracker, [6, 7, 8, 9, 10]), ['handle', 'handle', 'handle', 'handle', 'handle']);
    assert.equal(tracker.waiting, false);
    assert.deepEqual(tracker.due(30_000), []);
  });

  it('after Redis lost its data: asks every source from where it stands, unknown sources from their start', () => {
    const tracker = new SequenceTracker();
    tracker.restore(new Map([['time', 12]]));
    assert.deepEqual(tracker.lost(['time', 'hcm'], true, 0), [
      { source: 'time', from: 12 },
      { source: 'hcm', from: 1 },
    ]);
    assert.equal(tracker.waiting, true);
    // A live event of hcm that overtakes the replay is held back: the replay brings it in order.
    assert.equal(tracker.verdict('hcm', 3), 'gap');
    assert.equal(tracker.verdict('hcm', 1), 'handle');
  });

  it('a live feed does not ask for a producer history it never followed', () => {
    const tracker = new SequenceTracker();
    tracker.restore(new Map([['erp', 7]]));
    assert.deepEqual(tracker.lost(['erp', 'time'], false, 0), [{ source: 'erp', from: 7 }]);
  });

  it('closes a gap when the producer has published nothing past what the group handled', () => {
    const tracker = new SequenceTracker();
    tracker.restore(new Map([['time', 12]]));
    tracker.lost(['time'], true, 0);
    tracker.caughtUp('time', 13);
    assert.equal(tracker.waiting, true, 'sequences 12 and 13 are still to come');
    tracker.caughtUp('time', 11);
    assert.equal(tracker.waiting, false, 'the producer is at 11: nothing is missing');
  });

  it('a gap seen past the advertised head stays open (the head is older than what arrived)', () => {
    const tracker = new SequenceTracker();
    tracker.restore(new Map([['time', 5]]));
    assert.equal(tracker.verdict('time', 9), 'gap');
    tracker.caughtUp('time', 4);
    assert.equal(tracker.waiting, true);
  });

  it('moves past events the producer no longer keeps, and says how many', () => {
    const tracker = new SequenceTracker();
    tracker.restore(new Map([['time', 5]]));
    assert.equal(tracker.verdict('time', 30), 'gap');
    assert.equal(tracker.skipTo('time', 20), 15);
    assert.deepEqual(feed(tracker, [20, 21]), ['handle', 'handle']);
    assert.equal(tracker.skipTo('time', 3), 0);
  });

  it('reads an event type’s producer from its first segment', () => {
    assert.equal(sourceOfType('time.entry.approved'), 'time');
    assert.equal(sourceOfType('hcm.legal_entity.changed'), 'hcm');
  });
});

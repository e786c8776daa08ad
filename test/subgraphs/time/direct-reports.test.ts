import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent } from '../../../lib/events/envelope.ts';
import { InProcessBus } from '../../../lib/events/in-process-bus.ts';
import { hcmTopics } from '../../../subgraphs/hcm/events.ts';
import { DirectReports } from '../../../subgraphs/time/direct-reports.ts';

/** hcm's graph as a map of manager → reports that the test changes, counting the managers read. */
function fakeHcm(lines: Record<string, string[]>) {
  const state = { lines, reads: [] as string[][], gate: null as Promise<void> | null };
  const read = async (managerIds: readonly string[]) => {
    state.reads.push([...managerIds]);
    const answer = new Map(managerIds.map((id) => [id, [...(state.lines[id] ?? [])]]));
    await state.gate;
    return answer;
  };
  return { state, read };
}

const moved = (workerId: string, managerId: string | null) =>
  createEvent('hcm', hcmTopics.workerChanged, { typename: 'Worker', id: workerId }, { workerId, managerId, changedFields: ['managerId'] }, { correlationId: 'test' }, new Date());

const sorted = (map: Map<string, string[]>) => Object.fromEntries([...map].map(([id, reports]) => [id, [...reports].sort()]));

describe("time's direct reports kept from hcm's events", () => {
  it('reads a manager once, then answers from memory; a move heard on the bus changes both managers', async () => {
    const hcm = fakeHcm({ m1: ['a', 'b'], m2: ['c'] });
    const reports = new DirectReports(hcm.read);
    const bus = new InProcessBus();
    const watching = await reports.watch(bus);
    try {
      assert.deepEqual(sorted(await reports.directReports(['m1', 'm2'])), { m1: ['a', 'b'], m2: ['c'] });
      assert.deepEqual(sorted(await reports.directReports(['m1'])), { m1: ['a', 'b'] });
      assert.equal(hcm.state.reads.length, 1, 'known managers are not read again');

      hcm.state.lines = { m1: ['a'], m2: ['b', 'c'] };
      await bus.publish(moved('b', 'm2'));
      assert.deepEqual(sorted(await reports.directReports(['m1', 'm2'])), { m1: ['a'], m2: ['b', 'c'] });
      // A new worker under a known manager, and one who leaves every manager.
      await bus.publish(createEvent('hcm', hcmTopics.workerCreated, { typename: 'Worker', id: 'd' }, { workerId: 'd', managerId: 'm1' }, { correlationId: 'test' }, new Date()));
      await bus.publish(moved('c', null));
      assert.deepEqual(sorted(await reports.directReports(['m1', 'm2'])), { m1: ['a', 'd'], m2: ['b'] });
      assert.equal(hcm.state.reads.length, 1, 'every change came from the events');
    } finally {
      await watching.close();
      await bus.close();
    }
  });

  it('does not keep a read during which a reporting line changed, nor anything before it watches', async () => {
    const hcm = fakeHcm({ m1: ['a', 'b'] });
    const reports = new DirectReports(hcm.read);
    assert.deepEqual(sorted(await reports.directReports(['m1'])), { m1: ['a', 'b'] });
    await reports.directReports(['m1']);
    assert.equal(hcm.state.reads.length, 2, 'not watching: every request reads the graph');

    const bus = new InProcessBus();
    const watching = await reports.watch(bus);
    try {
      // The read sees b still under m1; b's move is heard while it is in flight: its answer serves the request only.
      let open!: () => void;
      hcm.state.gate = new Promise((resolve) => (open = resolve));
      const reading = reports.directReports(['m1']);
      const alsoWaiting = reports.directReports(['m1']);
      hcm.state.lines = { m1: ['a'], m2: ['b'] };
      await bus.publish(moved('b', 'm2'));
      open();
      hcm.state.gate = null;
      assert.deepEqual(sorted(await reading), { m1: ['a', 'b'] });
      assert.deepEqual(sorted(await alsoWaiting), { m1: ['a', 'b'] });
      assert.equal(hcm.state.reads.length, 3, 'requests waiting for the same manager share one read');
      assert.deepEqual(sorted(await reports.directReports(['m1'])), { m1: ['a'] }, 'read again, since the first was not kept');
      assert.deepEqual(sorted(await reports.directReports(['m1'])), { m1: ['a'] });
      assert.equal(hcm.state.reads.length, 4);
    } finally {
      await watching.close();
      await bus.close();
    }
  });

  it("a worker a read lists under another manager than memory has leaves the other's reports (its event is on the way)", async () => {
    const hcm = fakeHcm({ m1: ['a', 'b'], m2: [] });
    const reports = new DirectReports(hcm.read);
    const bus = new InProcessBus();
    const watching = await reports.watch(bus);
    try {
      await reports.directReports(['m1']);
      // b moved to m2 in hcm; the event has not arrived when m2 is first read.
      hcm.state.lines = { m1: ['a'], m2: ['b'] };
      assert.deepEqual(sorted(await reports.directReports(['m2'])), { m2: ['b'] });
      assert.deepEqual(sorted(await reports.directReports(['m1', 'm2'])), { m1: ['a'], m2: ['b'] });
      await bus.publish(moved('b', 'm2'));
      assert.deepEqual(sorted(await reports.directReports(['m1', 'm2'])), { m1: ['a'], m2: ['b'] });
      assert.equal(hcm.state.reads.length, 2);
    } finally {
      await watching.close();
      await bus.close();
    }
  });
});

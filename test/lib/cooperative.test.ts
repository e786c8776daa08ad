import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { buildSchema, graphql } from 'graphql';
import { pacedList, paceSteps, runSteps, yieldIfBusy } from '../../lib/cooperative.ts';
import { withStatementDeadline } from '../../lib/db/statement-deadline.ts';

/** A long computation as steps: each step keeps the thread busy until the clock has moved `stepMs`. */
function* busySteps(steps: number, stepMs: number): Generator<void, number> {
  let sum = 0;
  for (let step = 0; step < steps; step += 1) {
    const until = performance.now() + stepMs;
    while (performance.now() < until) sum += 1;
    yield;
  }
  return steps;
}

/** A server answering as soon as its request is read, and a request to it: "a worker logging time" in miniature. */
async function quickRequest(events: string[]) {
  const server = createServer((_, response) => {
    events.push('served');
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    answered: fetch(`http://127.0.0.1:${port}/`).then((response) => response.text()),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('cooperative time-slicing (lib/cooperative.ts)', () => {
  it('stops a paced computation once its request is past its deadline: nobody waits for the rest', async () => {
    let stepsRun = 0;
    function* counted(): Generator<void, number> {
      for (const _ of busySteps(400, 1)) {
        stepsRun += 1;
        yield;
      }
      return stepsRun;
    }
    await assert.rejects(
      withStatementDeadline(Date.now() + 40, () => paceSteps(counted())),
      (error: { code?: string; details?: { retryable?: boolean } }) => error.code === 'SERVICE_UNAVAILABLE' && error.details?.retryable === true,
    );
    assert.ok(stepsRun < 400, `stopped after ${stepsRun} of 400 steps`);
    // Without a deadline (or with one far off) the same computation runs to its end.
    assert.equal(await withStatementDeadline(Date.now() + 60_000, () => paceSteps(busySteps(50, 1))), 50);
    assert.equal(await paceSteps(busySteps(50, 1)), 50);
  });

  it('serves a request that arrives while a paced computation runs before the computation ends', async () => {
    const events: string[] = [];
    const request = await quickRequest(events);
    // The request is sent; the computation starts at once and is some 12 slices long.
    const computed = paceSteps(busySteps(60, 2)).then((steps) => events.push(`computed ${steps}`));
    await Promise.all([computed, request.answered]);
    await request.close();
    assert.deepEqual(events, ['served', 'computed 60']);
  });

  it('lets many callers that yielded in one turn go on one per turn, not all in the next turn', async () => {
    // 40 resolvers of 5 ms each, all waiting at their safe point at once (hcm's capacity of every worker for a KPI).
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const turns: number[] = [];
    let turn = 0;
    const counting = setInterval(() => (turn += 1), 0);
    // A turn counter that needs the loop to go round: timers run once per turn at most.
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        busy(1);
        await yieldIfBusy();
        busy(5);
        turns.push(turn);
      }),
    );
    clearInterval(counting);
    // At most a few of them in any one turn (two 5 ms computations fill a 10 ms slice), never most of them.
    const inOneTurn = Math.max(...[...new Set(turns)].map((value) => turns.filter((t) => t === value).length));
    assert.ok(inOneTurn <= 3, `${inOneTurn} of 40 went on in one turn`);
  });

  it('the same computation run at once holds the request until it ends (what pacing changes)', async () => {
    const events: string[] = [];
    const request = await quickRequest(events);
    const pending = request.answered;
    events.push(`computed ${runSteps(busySteps(60, 2))}`);
    await pending;
    await request.close();
    assert.deepEqual(events, ['computed 60', 'served']);
  });

  it('completes a long list through graphql-js a slice per turn of the event loop, with the same answer', async () => {
    const items = Array.from({ length: 5_000 }, (_, index) => ({ n: index, label: `row ${index}` }));
    const schema = buildSchema('type Row { n: Int! label: String! } type Query { paced: [Row!]! plain: [Row!]! }');
    const rootValue = { paced: () => pacedList(items), plain: () => items };
    const turnsDuring = async (field: string) => {
      let turns = 0;
      let done = false;
      const tick = () => {
        if (done) return;
        turns += 1;
        setImmediate(tick);
      };
      setImmediate(tick);
      const result = await graphql({ schema, rootValue, source: `{ ${field} { n label } }` });
      done = true;
      return { result, turns };
    };
    const plain = await turnsDuring('plain');
    const paced = await turnsDuring('paced');
    assert.equal(plain.turns, 0, 'a plain list completes within the turn that asked');
    // 5,000 items, 250 a slice: the 19 slices after the first each wait for a turn of their own.
    assert.ok(paced.turns >= 19, `${paced.turns} turns`);
    assert.deepEqual(JSON.parse(JSON.stringify(paced.result)), { data: { paced: items } });
    assert.deepEqual(JSON.parse(JSON.stringify(plain.result)), { data: { plain: items } });
  });

  it('returns a short list as it is', () => {
    const items = [1, 2, 3];
    assert.equal(pacedList(items), items);
  });
});

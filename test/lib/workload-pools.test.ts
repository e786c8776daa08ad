import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { runAsBatch } from '../../lib/db/workload.ts';
import { poolPerWorkload } from '../../lib/db/workload-pools.ts';

/** On PostgreSQL, batch work takes its connections from a pool of its own, so it never holds those requests need. */

function namedPool(name: string, taken: string[], ended: string[]): PostgresPool {
  return {
    connect: async () => {
      taken.push(name);
      return {} as PostgresPoolClient;
    },
    end: async () => {
      ended.push(name);
    },
  };
}

describe('one PostgreSQL pool per workload', () => {
  it('takes a connection from the pool of the work asking, or of the handle fixed to one workload', async () => {
    const taken: string[] = [];
    const pools = { interactive: namedPool('interactive', taken, []), batch: namedPool('batch', taken, []) };
    const requests = poolPerWorkload(pools);
    await requests.connect();
    await runAsBatch(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await requests.connect();
    });
    await poolPerWorkload(pools, 'batch').connect();
    await requests.connect();
    assert.deepEqual(taken, ['interactive', 'batch', 'batch', 'interactive']);
  });

  it('ends both pools', async () => {
    const ended: string[] = [];
    await poolPerWorkload({ interactive: namedPool('interactive', [], ended), batch: namedPool('batch', [], ended) }).end();
    assert.deepEqual(ended.sort(), ['batch', 'interactive']);
  });
});

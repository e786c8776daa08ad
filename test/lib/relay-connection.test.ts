import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { openSubgraphDatabase, type SubgraphDatabase } from '../../lib/db/database.ts';
import { runAsBatch } from '../../lib/db/workload.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { addEventDurability, appendToOutbox, createOutboxTables, type OutboxTables } from '../../lib/events/outbox.ts';
import { startOutboxRelay } from '../../lib/events/relay.ts';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../support/database.ts';

const migrations = {
  '0001': { up: (db: Kysely<any>) => createOutboxTables(db) },
  '0002': { up: (db: Kysely<any>) => addEventDurability(db) },
};
const event = (n: number) => createEvent('test', 'test.happened', { typename: 'Thing', id: String(n) }, { n }, { correlationId: `corr-${n}` }, new Date());

/** The relay's connections of this schema, as PostgreSQL sees them (another client: the test's own handles are busy). */
async function relayConnections(schema: string): Promise<Array<{ query: string }>> {
  const client = new pg.Client({ connectionString: process.env.PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query('select query from pg_stat_activity where application_name = $1', [`psgraph outbox relay ${schema}`]);
    return rows;
  } finally {
    await client.end();
  }
}

/** Resolves once `work` holds a connection (an open transaction), with the means to let it go. */
async function holdConnection(db: Kysely<OutboxTables>, batch = false): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  const run = () =>
    db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      held();
      await released;
    });
  const done = batch ? runAsBatch(run) : run();
  await holding;
  return async () => {
    release();
    await done;
  };
}

/**
 * On PostgreSQL the outbox relay has a connection of its own (`SubgraphDatabase.outbox`): a spike's publishing does not
 * wait for the connections requests and batch work hold, and the connection goes when the database closes.
 */
describe('outbox relay: a connection of its own', { skip: !usingPostgres && 'PostgreSQL only (PGlite has one session)' }, () => {
  let testDb: TestDatabase;
  let database: SubgraphDatabase<OutboxTables>;
  before(async () => {
    testDb = await createTestDatabase();
    const target = testDb.target.kind === 'postgres' ? { ...testDb.target, poolSize: 1, batchPoolSize: 1 } : testDb.target;
    database = await openSubgraphDatabase<OutboxTables>(target, testDb.schemaFor('relayconn'), migrations);
  });
  after(() => testDb.cleanup([]));

  it('publishes while every request and batch connection is taken, on its own connection, released on close', async () => {
    const bus = new InProcessBus();
    const received: number[] = [];
    await bus.subscribe({ group: 'seen', types: ['test.happened'], handler: async (each) => void received.push(each.data.n as number) });
    await database.db.transaction().execute((trx) => appendToOutbox(trx, [event(1), event(2), event(3)]));
    const letGo = [await holdConnection(database.db), await holdConnection(database.background, true)];
    const relay = startOutboxRelay({ db: database.outbox, bus, source: 'test', pollIntervalMs: 60_000 });
    try {
      const flushed = relay.flush().then(() => 'flushed');
      const waited = delay(5_000, 'still waiting', { ref: false });
      assert.equal(await Promise.race([flushed, waited]), 'flushed', 'the relay did not wait for a request or batch connection');
      assert.deepEqual(received, [1, 2, 3]);
      const connections = await relayConnections(database.schema);
      assert.equal(connections.length, 1, 'one connection of its own');
      assert.match(connections[0].query, /outbox/, 'the relay’s statements ran on it');
    } finally {
      for (const release of letGo) await release();
      await relay.stop();
    }
    const unpublished = await database.db.selectFrom('outbox').select('seq').where('published_at', 'is', null).execute();
    assert.equal(unpublished.length, 0, 'marked published');
    await sql`drop schema if exists ${sql.id(database.schema)} cascade`.execute(database.db);
    await database.close();
    for (const deadline = Date.now() + 5_000; (await relayConnections(database.schema)).length > 0; ) {
      assert.ok(Date.now() < deadline, 'the relay’s connection is closed with the database');
      await delay(50);
    }
  });
});

import { sql, type Kysely } from 'kysely';
import type { OutboxTables } from './outbox.ts';

/**
 * Where a consumer group keeps, per producer, the next sequence it expects (lib/events/sequence-tracker.ts). Kept
 * outside the bus on purpose: when Redis loses its streams and groups, the group still knows exactly what it has
 * handled and asks the producers to replay the rest.
 */
export interface CheckpointStore {
  load(group: string): Promise<Map<string, number>>;
  save(group: string, checkpoints: ReadonlyMap<string, number>): Promise<void>;
}

/** A subgraph's consumers keep theirs in its own database (`consumer_checkpoint`), beside `processed_event`. */
export function databaseCheckpoints<DB extends OutboxTables>(subgraphDb: Kysely<DB>): CheckpointStore {
  const db = subgraphDb as unknown as Kysely<OutboxTables>;
  return {
    async load(group) {
      const rows = await db.selectFrom('consumer_checkpoint').select(['source', 'next_sequence']).where('consumer', '=', group).execute();
      return new Map(rows.map((row) => [row.source, Number(row.next_sequence)]));
    },
    async save(group, checkpoints) {
      if (checkpoints.size === 0) return;
      await db
        .insertInto('consumer_checkpoint')
        .values([...checkpoints].map(([source, next]) => ({ consumer: group, source, next_sequence: next })))
        .onConflict((oc) =>
          oc.columns(['consumer', 'source']).doUpdateSet({
            // Never backwards: a late save of an older position must not undo a newer one.
            next_sequence: sql`greatest(consumer_checkpoint.next_sequence, excluded.next_sequence)`,
            updated_at: sql`now()`,
          }),
        )
        .execute();
    },
  };
}

/** The gateway's live feed has no database: it keeps its checkpoints for as long as it runs. */
export function memoryCheckpoints(): CheckpointStore {
  const groups = new Map<string, Map<string, number>>();
  return {
    async load(group) {
      return new Map(groups.get(group));
    },
    async save(group, checkpoints) {
      const saved = groups.get(group) ?? new Map<string, number>();
      for (const [source, next] of checkpoints) saved.set(source, Math.max(saved.get(source) ?? 0, next));
      groups.set(group, saved);
    },
  };
}

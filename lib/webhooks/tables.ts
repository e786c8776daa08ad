import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { Json } from '../db/types.ts';

export const webhookEndpointStatuses = ['ENABLED', 'DISABLED'] as const;
export type WebhookEndpointStatus = (typeof webhookEndpointStatuses)[number];
export const webhookDeliveryStatuses = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/** The tables of a subgraph that hosts webhooks (hcm), part of its `tables.ts` Database type. */
export interface WebhookTables {
  /** Where an administrator asked to be told of events, and how that receiver has been answering. */
  webhook_endpoint: {
    id: string;
    url: string;
    description: string | null;
    /** Event types and wildcards (`time.entry.approved`, `time.*`, `*`), as registered. */
    event_types: Json<string[]>;
    status: WebhookEndpointStatus;
    /** The signing secret, sealed (lib/webhooks/secret-box.ts): encrypted when WEBHOOK_SECRET_KEY is set. */
    secret: string;
    /** The secret before the last rotation, which also signs until `previous_secret_expires_at`. */
    previous_secret: string | null;
    previous_secret_expires_at: Date | null;
    disabled_reason: string | null;
    disabled_at: Date | null;
    /** The first failed attempt since the last success; null while the receiver answers. */
    failing_since: Date | null;
    /** Deliveries given up in a row (reset by any success). */
    given_up_in_a_row: number;
    created_by: string | null;
    created_at: Date;
    updated_at: Date;
  };
  /** An event as it is sent: the exact body every delivery (and replay) of it posts. */
  webhook_event: {
    id: string;
    type: string;
    occurred_at: Date;
    subject_typename: string;
    subject_id: string;
    body: string;
    created_at: Date;
  };
  /** One event to one endpoint: the delivery log. `seq` is the order deliveries were queued in. */
  webhook_delivery: {
    seq: Generated<number>;
    id: string;
    endpoint_id: string;
    event_id: string;
    event_type: string;
    subject_typename: string;
    subject_id: string;
    status: WebhookDeliveryStatus;
    attempts: number;
    first_attempt_at: Date | null;
    last_attempt_at: Date | null;
    last_status_code: number | null;
    last_error: string | null;
    /** When the worker may try it (again); irrelevant once DELIVERED or FAILED. */
    next_attempt_at: Date;
    /** A worker is attempting it until then (several hcm replicas share the queue). */
    claimed_until: Date | null;
    delivered_at: Date | null;
    /** The delivery this one sends again (`replayWebhookDeliveries`), or null. */
    replay_of: string | null;
    created_at: Date;
  };
}

export type WebhookEndpointRow = Selectable<WebhookTables['webhook_endpoint']>;
export type WebhookEventRow = Selectable<WebhookTables['webhook_event']>;
export type WebhookDeliveryRow = Selectable<WebhookTables['webhook_delivery']>;

/** Called from the hosting subgraph's webhooks migration. */
export async function createWebhookTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoint')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('event_types', 'jsonb', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('ENABLED', 'DISABLED')`))
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'timestamptz')
    .addColumn('failing_since', 'timestamptz')
    .addColumn('given_up_in_a_row', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoint_created').on('webhook_endpoint').columns(['created_at', 'id']).execute();
  await db.schema
    .createTable('webhook_event')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull())
    .addColumn('subject_typename', 'text', (col) => col.notNull())
    .addColumn('subject_id', 'text', (col) => col.notNull())
    .addColumn('body', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('webhook_delivery')
    .addColumn('seq', 'bigint', (col) => col.generatedAlwaysAsIdentity().unique())
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('endpoint_id', 'text', (col) => col.notNull().references('webhook_endpoint.id').onDelete('cascade'))
    .addColumn('event_id', 'uuid', (col) => col.notNull().references('webhook_event.id'))
    .addColumn('event_type', 'text', (col) => col.notNull())
    .addColumn('subject_typename', 'text', (col) => col.notNull())
    .addColumn('subject_id', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('PENDING', 'DELIVERED', 'FAILED')`))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('first_attempt_at', 'timestamptz')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'timestamptz', (col) => col.notNull())
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('replay_of', 'uuid')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();
  // An event is queued once per endpoint, whatever redelivery the bus makes (replays are rows of their own).
  await db.schema
    .createIndex('webhook_delivery_once')
    .on('webhook_delivery')
    .columns(['endpoint_id', 'event_id'])
    .unique()
    .where(sql.ref('replay_of'), 'is', null)
    .execute();
  // The worker's two questions: what is due, and is an earlier delivery of the same entity still pending.
  await db.schema
    .createIndex('webhook_delivery_due')
    .on('webhook_delivery')
    .columns(['next_attempt_at', 'seq'])
    .where(sql.ref('status'), '=', 'PENDING')
    .execute();
  await db.schema
    .createIndex('webhook_delivery_entity')
    .on('webhook_delivery')
    .columns(['endpoint_id', 'subject_typename', 'subject_id', 'seq'])
    .where(sql.ref('status'), '=', 'PENDING')
    .execute();
  // The delivery log per endpoint (the unique `seq` serves the whole log, newest first).
  await db.schema.createIndex('webhook_delivery_endpoint').on('webhook_delivery').columns(['endpoint_id', 'seq']).execute();
}

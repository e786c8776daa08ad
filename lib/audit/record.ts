import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Identity } from '../auth/identity.ts';
import { toJson } from '../db/types.ts';
import { compareDecimals } from '../decimal.ts';
import type { AuditTables } from './tables.ts';

/** One change to audit: the entity, the mutation, and the entity's fields before and after it. */
export interface AuditChange {
  readonly entityType: string;
  readonly entityId: string;
  readonly operation: string;
  /** The entity before (null: created by this change), as a row or plain object. */
  readonly before: Readonly<Record<string, unknown>> | null;
  /** The entity after (null: removed by this change). */
  readonly after: Readonly<Record<string, unknown>> | null;
  readonly reason?: string | null;
}

/** Bookkeeping columns every row carries: their change says nothing an auditor asks about. */
const untracked = new Set(['createdAt', 'updatedAt', 'version']);

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** A value as JSON keeps it: dates as ISO-8601, decimals and numerics as the strings the database gives. */
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [camel(key), plain(inner)]));
  }
  return value;
}

function fieldsOf(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const name = camel(key);
    if (!untracked.has(name) && value !== undefined) fields[name] = plain(value);
  }
  return fields;
}

const decimal = /^-?\d+(\.\d+)?$/;

/** Equal as stored: a decimal written `120` and read back `120.00` is the same value. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && decimal.test(a) && decimal.test(b)) return compareDecimals(a, b) === 0;
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The changed fields only: a creation lists every field after, a removal every field before, an update the fields
 * whose value differs (decimals by value, the rest as JSON).
 */
export function changedFields(before: AuditChange['before'], after: AuditChange['after']) {
  if (!before || !after) return { before: before && fieldsOf(before), after: after && fieldsOf(after) };
  const was = fieldsOf(before);
  const is = fieldsOf(after);
  const names = [...new Set([...Object.keys(was), ...Object.keys(is)])].filter((name) => !sameValue(was[name], is[name]));
  return {
    before: Object.fromEntries(names.map((name) => [name, was[name] ?? null])),
    after: Object.fromEntries(names.map((name) => [name, is[name] ?? null])),
  };
}

/** Who acted, as the record keeps it: the worker and roles, and the API key or service when that was the caller. */
export function actorOf(identity: Identity) {
  const principal = identity.principal ?? '';
  return {
    actor_worker_id: identity.workerId,
    actor_roles: toJson([...identity.roles]),
    actor_api_key_id: principal.startsWith('api-key:') ? principal.slice('api-key:'.length) : null,
    actor_service: identity.service ?? (principal.startsWith('client:') ? principal : null),
  };
}

/**
 * Writes the audit record of `change` in the mutation's own transaction, so it exists exactly when the change
 * commits. An update that changed no field writes nothing. The log is append-only: nothing in the code updates or
 * deletes a record, and the table's trigger refuses it (lib/audit/migration.ts).
 */
export async function recordAudit(
  trx: Transaction<any>,
  scope: { readonly identity: Identity; readonly correlationId: string },
  change: AuditChange,
): Promise<void> {
  const { before, after } = changedFields(change.before, change.after);
  if (before && after && Object.keys(after).length === 0) return;
  await (trx as Transaction<AuditTables>)
    .insertInto('audit_log')
    .values({
      id: randomUUID(),
      // The wall clock, not the subgraph's injectable one: when the record was written is a fact, not a business date.
      recorded_at: new Date(),
      entity_type: change.entityType,
      entity_id: change.entityId,
      operation: change.operation,
      ...actorOf(scope.identity),
      before: before && toJson(before),
      after: after && toJson(after),
      correlation_id: scope.correlationId,
      reason: change.reason?.trim() || null,
    })
    .execute();
}

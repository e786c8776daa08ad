import type { Generated } from 'kysely';
import type { Json } from '../db/types.ts';

/** The audit tables every subgraph schema has (migration: lib/audit/migration.ts). */
export interface AuditTables {
  audit_log: {
    id: string;
    /** When the change committed's transaction wrote it: the server's wall clock, to the millisecond. */
    recorded_at: Date;
    entity_type: string;
    entity_id: string;
    /** The mutation that made the change, e.g. `amendContract`, `issueInvoice`. */
    operation: string;
    actor_worker_id: string | null;
    actor_roles: Json<string[]>;
    /** The API key's id when an API key was the credential. */
    actor_api_key_id: string | null;
    /** A subgraph acting as a service (e.g. erp drafting from an event), or an identity provider's client. */
    actor_service: string | null;
    /** The changed fields' values before (null for a creation) and after (null for a removal). */
    before: Json<Record<string, unknown>> | null;
    after: Json<Record<string, unknown>> | null;
    correlation_id: string;
    reason: string | null;
  };
  /** One row: how many days a record is kept; the guard trigger refuses removing anything younger. */
  audit_retention: {
    id: Generated<boolean>;
    days: number;
  };
}

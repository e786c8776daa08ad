import type { Migration } from 'kysely';
import * as initial from './2026-11-25T2100-initial.ts';
import * as workerTargetUtilization from './2026-12-02T0740-worker-target-utilization.ts';
import * as announceLegalEntities from './2026-12-03T1000-announce-legal-entities.ts';
import * as eventDurability from './2026-12-07T0300-event-durability.ts';
import * as idempotencyScope from './2026-12-07T0630-idempotency-scope.ts';
import * as apiKeys from './2026-12-07T0640-api-keys.ts';
import * as workerEmail from './2026-12-07T0650-worker-email.ts';
import * as externalRefs from './2026-12-07T1200-external-refs.ts';
import * as webhooks from './2026-12-07T1230-webhooks.ts';
import * as eventTraceContext from './2026-12-07T1500-event-trace-context.ts';
import * as auditLog from './2026-12-07T1800-audit-log.ts';
import * as workerHistory from './2026-12-07T1810-worker-history.ts';
import * as orderingInstants from './2026-12-08T0100-ordering-instants.ts';

/** Forward-only, applied in name order at start-up. Never edit a migration that has shipped: add a new one. */
export const hcmMigrations: Record<string, Migration> = {
  '2026-11-25T2100-initial': initial,
  '2026-12-02T0740-worker-target-utilization': workerTargetUtilization,
  '2026-12-03T1000-announce-legal-entities': announceLegalEntities,
  '2026-12-07T0300-event-durability': eventDurability,
  '2026-12-07T0630-idempotency-scope': idempotencyScope,
  '2026-12-07T0640-api-keys': apiKeys,
  '2026-12-07T0650-worker-email': workerEmail,
  '2026-12-07T1200-external-refs': externalRefs,
  '2026-12-07T1230-webhooks': webhooks,
  '2026-12-07T1500-event-trace-context': eventTraceContext,
  '2026-12-07T1800-audit-log': auditLog,
  '2026-12-07T1810-worker-history': workerHistory,
  '2026-12-08T0100-ordering-instants': orderingInstants,
};

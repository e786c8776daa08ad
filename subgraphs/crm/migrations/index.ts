import type { Migration } from 'kysely';
import * as initial from './2026-11-25T2100-initial.ts';
import * as fixedFeeMethod from './2026-12-02T1930-fixed-fee-method.ts';
import * as eventDurability from './2026-12-07T0300-event-durability.ts';
import * as idempotencyScope from './2026-12-07T0630-idempotency-scope.ts';
import * as externalRefs from './2026-12-07T1200-external-refs.ts';
import * as eventTraceContext from './2026-12-07T1500-event-trace-context.ts';
import * as auditLog from './2026-12-07T1800-audit-log.ts';
import * as orderingInstants from './2026-12-08T0100-ordering-instants.ts';

/** Forward-only, applied in name order at start-up. Never edit a migration that has shipped: add a new one. */
export const crmMigrations: Record<string, Migration> = {
  '2026-11-25T2100-initial': initial,
  '2026-12-02T1930-fixed-fee-method': fixedFeeMethod,
  '2026-12-07T0300-event-durability': eventDurability,
  '2026-12-07T0630-idempotency-scope': idempotencyScope,
  '2026-12-07T1200-external-refs': externalRefs,
  '2026-12-07T1500-event-trace-context': eventTraceContext,
  '2026-12-07T1800-audit-log': auditLog,
  '2026-12-08T0100-ordering-instants': orderingInstants,
};

import type { SubgraphDependencies } from '../../lib/graphql/subgraph-server.ts';
import type { SubgraphGauge } from '../../lib/metrics/registry.ts';
import type { PsaDatabase } from './tables.ts';

/**
 * psa's business gauges on `/metrics` beside its event plumbing's (lib/metrics/events.ts). None yet: the KPIs the
 * operators watch are erp's (unbilled work, reconciliation, posting) and time's (approvals pending).
 */
export function psaGauges(_deps: SubgraphDependencies<PsaDatabase>): SubgraphGauge[] {
  return [];
}

import type { GraphClient } from '../../lib/graph-client.ts';
import type { WorkerCostCenter } from './kpi-queries.ts';

/**
 * What erp's KPIs need from hcm: each worker's cost centers over [from, to], from hcm's effective-dated history
 * (billing events keep the worker, not the practice they sat in). Read through the gateway outside any transaction; a
 * worker hcm does not know has none.
 */
export interface KpiFactsSource {
  costCentersOf(workerIds: readonly string[], options: { correlationId: string; from: string; to: string }): Promise<WorkerCostCenter[]>;
}

/** The largest page the graph serves. */
const pageSize = 500;

/** hcm's workers by id, one request to the gateway per page of workers. */
export function createGraphKpiFacts(graph: GraphClient): KpiFactsSource {
  return {
    async costCentersOf(workerIds, { correlationId, from, to }) {
      const ids = [...new Set(workerIds)];
      const found: WorkerCostCenter[] = [];
      type Span = { effectiveFrom: string; effectiveTo: string | null; costCenter: { id: string } };
      for (let start = 0; start < ids.length; start += pageSize) {
        const data = await graph.query<{ workers: { nodes: Array<{ id: string; history: Span[] }> } }>(
          `query KpiCostCenters($ids: [ID!]!, $from: Date!, $to: Date!) {
            workers(first: ${pageSize}, filter: { ids: $ids }) { nodes { id history(from: $from, to: $to) { effectiveFrom effectiveTo costCenter { id } } } }
          }`,
          { ids: ids.slice(start, start + pageSize), from, to },
          { correlationId },
        );
        for (const worker of data.workers.nodes) {
          for (const span of worker.history) {
            found.push({ worker_id: worker.id, cost_center_id: span.costCenter.id, effective_from: span.effectiveFrom, effective_to: span.effectiveTo });
          }
        }
      }
      return found;
    },
  };
}

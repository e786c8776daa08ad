import type { GraphClient } from '../../lib/graph-client.ts';
import type { WorkerCostCenter } from './kpi-queries.ts';

/**
 * What erp's KPIs need from hcm: each worker's current cost center (billing events keep the worker, not the practice
 * they sat in). Read through the gateway outside any transaction; a worker hcm does not know has none.
 */
export interface KpiFactsSource {
  costCentersOf(workerIds: readonly string[], options: { correlationId: string }): Promise<WorkerCostCenter[]>;
}

/** The largest page the graph serves. */
const pageSize = 500;

/** hcm's workers by id, one request to the gateway per page of workers. */
export function createGraphKpiFacts(graph: GraphClient): KpiFactsSource {
  return {
    async costCentersOf(workerIds, { correlationId }) {
      const ids = [...new Set(workerIds)];
      const found = new Map<string, string>();
      for (let start = 0; start < ids.length; start += pageSize) {
        const data = await graph.query<{ workers: { nodes: Array<{ id: string; costCenter: { id: string } | null }> } }>(
          `query KpiCostCenters($ids: [ID!]!) { workers(first: ${pageSize}, filter: { ids: $ids }) { nodes { id costCenter { id } } } }`,
          { ids: ids.slice(start, start + pageSize) },
          { correlationId },
        );
        for (const worker of data.workers.nodes) if (worker.costCenter) found.set(worker.id, worker.costCenter.id);
      }
      return ids.map((id) => ({ worker_id: id, cost_center_id: found.get(id) ?? null }));
    },
  };
}

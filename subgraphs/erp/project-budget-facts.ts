import type { GraphClient } from '../../lib/graph-client.ts';

/** A project of a contract and its budget hours as psa holds them (null: no budget). */
export interface ProjectBudget {
  contractId: string;
  projectId: string;
  budgetHours: string | null;
}

/**
 * Where percent-complete billing reads psa's projects of each contract and their budget hours. Read through the
 * gateway BEFORE the billing transaction, never inside it (the embedded database has one session).
 */
export interface ProjectBudgetFactsSource {
  budgetsOf(contractIds: readonly string[], options: { correlationId: string }): Promise<ProjectBudget[]>;
}

/** The largest page the graph serves: a contract with more projects than this is not billed by percent complete. */
const pageSize = 500;

/** psa's `projects(filter: { contractId })` for every contract, aliased into one request to the gateway. */
export function createGraphProjectBudgetFacts(graph: GraphClient): ProjectBudgetFactsSource {
  return {
    async budgetsOf(contractIds, { correlationId }) {
      const ids = [...new Set(contractIds)];
      if (ids.length === 0) return [];
      const data = await graph.query<Record<string, { nodes: Array<{ id: string; budgetHours: string | null }>; pageInfo: { hasNextPage: boolean } }>>(
        `query ProjectBudgets(${ids.map((_, i) => `$c${i}: ID!`).join(', ')}) {
          ${ids.map((_, i) => `c${i}: projects(first: ${pageSize}, filter: { contractId: $c${i} }) { nodes { id budgetHours } pageInfo { hasNextPage } }`).join('\n')}
        }`,
        Object.fromEntries(ids.map((id, i) => [`c${i}`, id])),
        { correlationId },
      );
      return ids.flatMap((contractId, i) => {
        const page = data[`c${i}`];
        if (page.pageInfo.hasNextPage) throw new Error(`contract ${contractId} has more than ${pageSize} projects`);
        return page.nodes.map((project) => ({ contractId, projectId: project.id, budgetHours: project.budgetHours }));
      });
    },
  };
}

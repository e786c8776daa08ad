import type { GraphClient } from '../../lib/graph-client.ts';
import type { Money } from './domain/money.ts';
import type { ProjectPostingFacts } from './domain/posting.ts';

/** What erp needs from the rest of the graph to post an approved source. */
export interface PostingFactsRequest {
  projectId: string;
  /** The worker and date whose cost rate a time entry needs; null for an expense (its cost is its amount). */
  costRateOf: { workerId: string; date: string } | null;
}

export interface OutsidePostingFacts {
  project: ProjectPostingFacts | null;
  costRate: Money | null;
}

/**
 * Where erp's posting consumer reads psa's project (contract, customer, legal entity) and hcm's cost rate. Called
 * before the posting transaction, never inside it (the embedded database has one session).
 */
export interface PostingFactsSource {
  load(request: PostingFactsRequest, options: { correlationId: string }): Promise<OutsidePostingFacts>;
}

interface PostingFactsAnswer {
  project: { id: string; currency: string | null; customer: { id: string }; contract: { id: string } | null; legalEntity: { id: string } | null } | null;
  worker?: { id: string; costRateOn: { cost: Money } | null } | null;
}

/**
 * The facts through the gateway, in one request: the project from psa (its contract and customer are keys psa holds)
 * and, for a time entry, the worker's cost rate on the date from hcm (FINANCE only: erp's service role).
 */
export function createGraphPostingFacts(graph: GraphClient): PostingFactsSource {
  return {
    async load({ projectId, costRateOf }, { correlationId }) {
      const data = await graph.query<PostingFactsAnswer>(
        `query PostingFacts($projectId: ID!, $workerId: ID!, $date: Date!, $withCost: Boolean!) {
          project(id: $projectId) { id currency customer { id } contract { id } legalEntity { id } }
          worker(id: $workerId) @include(if: $withCost) { id costRateOn(date: $date) { cost { amount currency } } }
        }`,
        { projectId, workerId: costRateOf?.workerId ?? '', date: costRateOf?.date ?? '1970-01-01', withCost: costRateOf !== null },
        { correlationId },
      );
      const project = data.project;
      return {
        project: project
          ? { id: project.id, contractId: project.contract?.id ?? null, customerId: project.customer.id, legalEntityId: project.legalEntity?.id ?? null, currency: project.currency }
          : null,
        costRate: data.worker?.costRateOn?.cost ?? null,
      };
    },
  };
}

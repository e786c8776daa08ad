import type { GraphClient } from '../../lib/graph-client.ts';
import type { Money } from './domain/money.ts';
import type { PostingFacts, ProjectPostingFacts } from './domain/posting.ts';

/** What erp needs from the rest of the graph to post an approved source. */
export interface PostingFactsRequest {
  projectId: string;
  /** The worker and date whose cost rate a time entry needs; null for an expense (its cost is its amount). */
  costRateOf: { workerId: string; date: string } | null;
}

export interface OutsidePostingFacts {
  project: ProjectPostingFacts | null;
  costRate: PostingFacts['costRate'];
}

/**
 * Where erp's posting consumer reads psa's project (contract, customer, legal entity) and hcm's cost rate. Called
 * before the posting transaction, never inside it (the embedded database has one session).
 */
export interface PostingFactsSource {
  load(request: PostingFactsRequest, options: { correlationId: string }): Promise<OutsidePostingFacts>;
  /** The facts of many sources in one read (a batch of approvals), answers in the order of `requests`. */
  loadMany(requests: readonly PostingFactsRequest[], options: { correlationId: string }): Promise<OutsidePostingFacts[]>;
}

interface ProjectAnswer {
  id: string;
  currency: string | null;
  customer: { id: string };
  contract: { id: string } | null;
  legalEntity: { id: string } | null;
}

type CostRateAnswer = { id: string; cost: Money; effectiveFrom: string; effectiveTo: string | null } | null;

/**
 * The facts through the gateway, in one request however many sources ask: each distinct project from psa (its
 * contract and customer are keys psa holds) under an alias, and each distinct worker's cost rate on each date asked
 * from hcm (FINANCE only: erp's service role), aliased per date under the worker. psa and hcm each get one fetch.
 */
export function createGraphPostingFacts(graph: GraphClient): PostingFactsSource {
  const source: PostingFactsSource = {
    load: async (request, options) => (await source.loadMany([request], options))[0],
    async loadMany(requests, { correlationId }) {
      if (requests.length === 0) return [];
      const projectIds = [...new Set(requests.map((request) => request.projectId))];
      const datesByWorker = new Map<string, string[]>();
      for (const { costRateOf } of requests) {
        if (!costRateOf) continue;
        const dates = datesByWorker.get(costRateOf.workerId) ?? [];
        if (!dates.includes(costRateOf.date)) dates.push(costRateOf.date);
        datesByWorker.set(costRateOf.workerId, dates);
      }
      const workerIds = [...datesByWorker.keys()];
      const variables: Record<string, string> = {};
      const declarations: string[] = [];
      const fields: string[] = [];
      projectIds.forEach((projectId, p) => {
        variables[`p${p}`] = projectId;
        declarations.push(`$p${p}: ID!`);
        fields.push(`p${p}: project(id: $p${p}) { ...PostingProject }`);
      });
      workerIds.forEach((workerId, w) => {
        variables[`w${w}`] = workerId;
        declarations.push(`$w${w}: ID!`);
        const rates = datesByWorker.get(workerId)!.map((date, d) => {
          variables[`d${w}_${d}`] = date;
          declarations.push(`$d${w}_${d}: Date!`);
          return `r${d}: costRateOn(date: $d${w}_${d}) { id cost { amount currency } effectiveFrom effectiveTo }`;
        });
        fields.push(`w${w}: worker(id: $w${w}) { id ${rates.join(' ')} }`);
      });
      const data = await graph.query<Record<string, (ProjectAnswer & Record<string, CostRateAnswer>) | null>>(
        `query PostingFacts(${declarations.join(', ')}) {\n  ${fields.join('\n  ')}\n}\n` +
          'fragment PostingProject on Project { id currency customer { id } contract { id } legalEntity { id } }',
        variables,
        { correlationId },
      );
      const projects = new Map(projectIds.map((projectId, p) => [projectId, data[`p${p}`] as ProjectAnswer | null]));
      const workers = new Map(workerIds.map((workerId, w) => [workerId, data[`w${w}`] as Record<string, CostRateAnswer> | null]));
      return requests.map(({ projectId, costRateOf }) => {
        const project = projects.get(projectId) ?? null;
        const rates = costRateOf ? workers.get(costRateOf.workerId) : null;
        const rate = rates && costRateOf ? rates[`r${datesByWorker.get(costRateOf.workerId)!.indexOf(costRateOf.date)}`] : null;
        return {
          project: project
            ? { id: project.id, contractId: project.contract?.id ?? null, customerId: project.customer.id, legalEntityId: project.legalEntity?.id ?? null, currency: project.currency }
            : null,
          costRate: rate ? { ...rate.cost, period: { id: rate.id, effectiveFrom: rate.effectiveFrom, effectiveTo: rate.effectiveTo } } : null,
        };
      });
    },
  };
  return source;
}

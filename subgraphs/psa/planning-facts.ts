import { hoursByPeriod, periodsWithin } from '../../lib/calendar-periods.ts';
import { eachGraphPage, type GraphClient } from '../../lib/graph-client.ts';
import { DomainError, notFound } from '../../lib/errors.ts';

/** An ACTIVE worker as planning needs them (hcm), with capacity per period start (hours, hundredths). */
export interface PlanningWorker {
  id: string;
  name: string;
  /** Today's role, cost center, legal entity and location (who can be staffed now: `availability`). */
  roleId: string;
  costCenterId: string;
  legalEntityId: string;
  location: string;
  skills: string[];
  capacity: Map<string, string>;
  /**
   * The spans of the worker's history within the range asked, each with the role, cost center, legal entity and
   * location in effect on its days and its own days' capacity per period (keyed by the start of the question's period
   * holding it): what groups a report by date (`capacityVsDemand`).
   */
  spans: PlanningSpan[];
}

export interface PlanningSpan {
  from: string;
  to: string;
  roleId: string;
  costCenterId: string;
  legalEntityId: string;
  location: string;
  capacity: Map<string, string>;
}

/** What psa's planning reads of hcm and crm (through the gateway). */
export interface PlanningFacts {
  /**
   * ACTIVE workers (of one role, or these ids, when given) with their capacity per WEEK or MONTH of [from, to];
   * NOT_FOUND for a role hcm does not know.
   */
  workers(query: { roleId?: string; workerIds?: readonly string[]; from: string; to: string; period: 'WEEK' | 'MONTH' }): Promise<PlanningWorker[]>;
  /** Win probability in percent of each deal, by id (unknown deals are absent). */
  probabilities(opportunityIds: readonly string[]): Promise<Map<string, number>>;
}

const pageSize = 500;

interface WorkerAnswer {
  id: string;
  name: string;
  location: string;
  role: { id: string };
  costCenter: { id: string };
  legalEntity: { id: string };
  skills: Array<{ skill: string }>;
  capacity: Array<{ start: string; hours: string }>;
  history: Array<{
    effectiveFrom: string;
    effectiveTo: string | null;
    role: { id: string };
    costCenter: { id: string };
    legalEntity: { id: string };
    location: string;
    capacity: Array<{ start: string; hours: string }>;
  }>;
}

const todayAsSpan = (worker: WorkerAnswer, from: string): WorkerAnswer['history'][number] => ({
  effectiveFrom: from, effectiveTo: null, role: worker.role, costCenter: worker.costCenter, legalEntity: worker.legalEntity, location: worker.location,
  capacity: worker.capacity,
});

/** Planning facts through the gateway: one request per page of 500 workers, one for all the deals asked about. */
export function createGraphPlanningFacts(graph: GraphClient): PlanningFacts {
  return {
    async workers({ roleId, workerIds, from, to, period }) {
      const workers: PlanningWorker[] = [];
      const periods = periodsWithin(from, to, period);
      await eachGraphPage<WorkerAnswer>(
        graph,
        `query PlanningWorkers($filter: WorkerFilter, $after: String, $from: Date!, $to: Date!, $period: CalendarPeriod!) {
          workers(first: ${pageSize}, after: $after, filter: $filter) {
            nodes { id name location role { id } costCenter { id } legalEntity { id } skills { skill } capacity(from: $from, to: $to, period: $period) { start hours }
              history(from: $from, to: $to) { effectiveFrom effectiveTo role { id } costCenter { id } legalEntity { id } location capacity(period: $period) { start hours } } }
            pageInfo { hasNextPage endCursor }
          }
        }`,
        'workers',
        { filter: { status: 'ACTIVE', ...(roleId ? { roleId } : {}), ...(workerIds ? { ids: workerIds } : {}) }, from, to, period },
        (nodes) => {
          for (const worker of nodes) {
            workers.push({
              id: worker.id, name: worker.name, roleId: worker.role.id, costCenterId: worker.costCenter.id, legalEntityId: worker.legalEntity.id,
              location: worker.location, skills: worker.skills.map((entry) => entry.skill),
              capacity: new Map(worker.capacity.map((entry) => [entry.start, entry.hours])),
              // No span within the range (hcm knows no period there): the range under today's values, so demand
              // booked on the worker is never dropped.
              spans: (worker.history.length > 0 ? worker.history : [todayAsSpan(worker, from)]).map((span) => ({
                from: span.effectiveFrom > from ? span.effectiveFrom : from,
                to: span.effectiveTo !== null && span.effectiveTo < to ? span.effectiveTo : to,
                roleId: span.role.id, costCenterId: span.costCenter.id, legalEntityId: span.legalEntity.id, location: span.location,
                capacity: hoursByPeriod(span.capacity, periods),
              })),
            });
          }
        },
      );
      // No worker of the role: hcm says whether the role exists (NOT_FOUND), so no role is never "nobody is free".
      if (roleId && workers.length === 0) {
        const known = await graph.query<{ role: { id: string } | null }>(`query PlanningRole($id: ID!) { role(id: $id) { id } }`, { id: roleId });
        if (!known.role) throw notFound('Role', roleId);
      }
      return workers;
    },

    async probabilities(opportunityIds) {
      const ids = [...new Set(opportunityIds)];
      const probabilities = new Map<string, number>();
      if (ids.length === 0) return probabilities;
      // crm answers many `opportunity(id)` fields of one request with one batched statement (its loader).
      const fields = ids.map((_, index) => `o${index}: opportunity(id: $id${index}) { id probability }`).join(' ');
      const header = ids.map((_, index) => `$id${index}: ID!`).join(', ');
      const data = await graph.query<Record<string, { id: string; probability: number } | null>>(
        `query DealProbabilities(${header}) { ${fields} }`,
        Object.fromEntries(ids.map((id, index) => [`id${index}`, id])),
      );
      for (const deal of Object.values(data)) if (deal) probabilities.set(deal.id, deal.probability);
      return probabilities;
    },
  };
}

/** Without a graph (psa alone) planning cannot read capacity: it says so rather than answering with none. */
export const noPlanningFacts: PlanningFacts = {
  workers: () => Promise.reject(new DomainError('INTERNAL_SERVER_ERROR', 'psa has no graph to read capacity from (hcm)')),
  probabilities: () => Promise.reject(new DomainError('INTERNAL_SERVER_ERROR', 'psa has no graph to read deals from (crm)')),
};

import { hoursByPeriod, periodsWithin } from '../../lib/calendar-periods.ts';
import { fromScaled, toScaled } from '../../lib/decimal.ts';
import { notFound } from '../../lib/errors.ts';
import { eachGraphPage, type GraphClient } from '../../lib/graph-client.ts';
import type { AssignmentPlan } from './domain/forecast.ts';
import type { ExternalRef } from '../../lib/external-refs.ts';
import {
  refKey,
  type EntryBillingStatus,
  type PayrollContextSource,
  type ProjectFacts,
  type RecordsByRefs,
  type WorkContext,
  type WorkContextSource,
  type WorkerCalendarFacts,
  type WorkerFacts,
} from './work-context.ts';

/** The largest page the graph serves; a project with more live assignments than this is not expected. */
const pageSize = 500;

const projectSelection = (taskRefs: boolean) => `id code status currency legalEntity { id }
  contract { id rateCard { id rates { id role { id } billRate { amount } effectiveFrom effectiveTo } } }
  tasks(first: ${pageSize}) { nodes { id name status billable${taskRefs ? ' externalRefs { system id }' : ''} } }
  assignments(first: ${pageSize}, filter: { status: [CONFIRMED, TENTATIVE] }) {
    nodes { id worker { id } role { id } startDate endDate status billRateOverride { amount } }
  }`;

const workerSelection = 'id name status hireDate terminationDate legalEntity { id } role { id } manager { id }';

interface ProjectAnswer {
  id: string;
  code: string;
  status: ProjectFacts['status'];
  currency: string | null;
  legalEntity: { id: string } | null;
  contract: { id: string; rateCard: { id: string; rates: Array<{ id: string; role: { id: string }; billRate: { amount: string }; effectiveFrom: string; effectiveTo: string | null }> } | null } | null;
  tasks: { nodes: ProjectFacts['tasks'] };
  assignments: {
    nodes: Array<{ id: string; worker: { id: string }; role: { id: string }; startDate: string; endDate: string; status: ProjectFacts['assignments'][number]['status']; billRateOverride: { amount: string } | null }>;
  };
}

interface WorkerAnswer {
  id: string;
  name: string;
  status: WorkerFacts['status'];
  hireDate: string;
  terminationDate: string | null;
  legalEntity: { id: string };
  role: { id: string };
  manager: { id: string } | null;
}

/**
 * Facts for a batch in one request to the gateway: the projects and workers as two lists filtered by id, so the
 * gateway plans one fetch per hop and each subgraph's loaders answer a hop in one statement, whatever the batch size.
 */
export function createGraphWorkContext(graph: GraphClient): WorkContextSource {
  return {
    async load({ projectIds, workerIds, taskRefs = false }) {
      const projects = [...new Set(projectIds)];
      const workers = [...new Set(workerIds)];
      const context: WorkContext = { projects: new Map(), workers: new Map() };
      if (projects.length === 0 && workers.length === 0) return context;
      // List fields, not one aliased field per id: the gateway plans each aliased path as its own fetch, so a
      // batch of N projects would cost N requests to crm; one list is one fetch per hop. A batch touching more than
      // a page of projects or workers (an import of a busy day) asks for a page per aliased list, still one request.
      const lists = [
        ...pages(projects).map((ids, i) => ({ name: `projects${i}`, ids, field: `projects(first: ${pageSize}, filter: { ids: $projects${i} }) { nodes { ${projectSelection(taskRefs)} } }` })),
        ...pages(workers).map((ids, i) => ({ name: `workers${i}`, ids, field: `workers(first: ${pageSize}, filter: { ids: $workers${i} }) { nodes { ${workerSelection} } }` })),
      ];
      const data = await graph.query<Record<string, { nodes: Array<ProjectAnswer | WorkerAnswer> }>>(
        `query WorkContext(${lists.map((list) => `$${list.name}: [ID!]!`).join(', ')}) {
          ${lists.map((list) => `${list.name}: ${list.field}`).join('\n')}
        }`,
        Object.fromEntries(lists.map((list) => [list.name, list.ids])),
      );
      const asked = new Set(workers);
      const answersOf = <T>(prefix: string) =>
        new Map(Object.entries(data).flatMap(([name, page]) => (name.startsWith(prefix) ? page.nodes.map((answer) => [answer.id, answer as T] as const) : [])));
      const projectAnswers = answersOf<ProjectAnswer>('projects');
      const workerAnswers = answersOf<WorkerAnswer>('workers');
      for (const id of projects) {
        const answer = projectAnswers.get(id);
        context.projects.set(id, answer ? toProjectFacts(answer, asked) : null);
      }
      for (const id of workers) {
        const answer = workerAnswers.get(id);
        context.workers.set(id, answer ? toWorkerFacts(answer) : null);
      }
      return context;
    },

    billingStatuses: (timeEntryIds) => billingStatusesOf(graph, 'timeEntries', timeEntryIds),

    /**
     * hcm's workers and psa's projects by reference, in ONE request: each list filtered by `externalRefs`, a page of
     * 500 references per aliased field, so a batch of any size is one round trip.
     */
    async recordIdsByRefs({ workers, projects }) {
      const found: RecordsByRefs = { workers: new Map(), projects: new Map() };
      const fields: string[] = [];
      const header: string[] = [];
      const variables: Record<string, ExternalRef[]> = {};
      for (const [list, refs] of [['workers', workers], ['projects', projects]] as const) {
        const distinct = [...new Map(refs.map((ref) => [refKey(ref), { system: ref.system, id: ref.id }])).values()];
        for (let i = 0; i * pageSize < distinct.length; i++) {
          const name = `${list}${i}`;
          header.push(`$${name}: [ExternalRefInput!]!`);
          fields.push(`${name}: ${list}(first: ${pageSize}, filter: { externalRefs: $${name} }) { nodes { id externalRefs { system id } } }`);
          variables[name] = distinct.slice(i * pageSize, (i + 1) * pageSize);
        }
      }
      if (fields.length === 0) return found;
      const data = await graph.query<Record<string, { nodes: Array<{ id: string; externalRefs: ExternalRef[] }> }>>(
        `query ImportRefs(${header.join(', ')}) { ${fields.join('\n')} }`,
        variables,
      );
      for (const [name, page] of Object.entries(data)) {
        const byRef = name.startsWith('workers') ? found.workers : found.projects;
        for (const node of page.nodes) for (const ref of node.externalRefs) byRef.set(refKey(ref), node.id);
      }
      return found;
    },

    async customersOfProjects(projectIds) {
      const nodes = await nodesByIds<{ id: string; customer: { id: string } }>(graph, 'ProjectCustomers', 'projects', projectIds, 'id customer { id }');
      return new Map(nodes.map((project) => [project.id, project.customer.id]));
    },

    async confirmedPlans(projectIds) {
      const plans = new Map<string, AssignmentPlan[]>(projectIds.map((id) => [id, []]));
      const nodes = await nodesByIds<{ id: string; assignments: { nodes: AssignmentPlan[] } }>(
        graph,
        'ConfirmedPlans',
        'projects',
        projectIds,
        `id assignments(first: ${pageSize}, filter: { status: [CONFIRMED] }) { nodes { plannedHours startDate endDate } }`,
      );
      for (const project of nodes) plans.set(project.id, project.assignments.nodes);
      return plans;
    },

    expenseBillingStatuses: (expenseIds) => billingStatusesOf(graph, 'expenses', expenseIds),

    projectIdsOfCustomer: (customerId) =>
      idsOf(
        graph,
        `query CustomerProjects($customerId: ID!, $after: String) {
          projects(first: ${pageSize}, after: $after, filter: { customerId: $customerId }) { nodes { id } pageInfo { hasNextPage endCursor } }
        }`,
        'projects',
        { customerId },
      ),

    async directReports(managerIds) {
      const ids = [...new Set(managerIds)];
      const reports = new Map<string, string[]>();
      if (ids.length === 0) return reports;
      if (ids.length > pageSize) throw new Error(`at most ${pageSize} managers at once`);
      const data = await graph.query<{ workers: { nodes: Array<{ id: string; directReports: { nodes: Array<{ id: string }> } }> } }>(
        `query DirectReports($ids: [ID!]!) {
          workers(first: ${pageSize}, filter: { ids: $ids }) { nodes { id directReports(first: ${pageSize}) { nodes { id } } } }
        }`,
        { ids },
      );
      for (const manager of data.workers.nodes) reports.set(manager.id, manager.directReports.nodes.map((report) => report.id));
      return reports;
    },
  };
}

/** Ids in pages of the largest size the graph serves. */
const pages = <T>(items: readonly T[]): T[][] => Array.from({ length: Math.ceil(items.length / pageSize) }, (_, i) => items.slice(i * pageSize, (i + 1) * pageSize));

/**
 * A list read by id for many ids in ONE request: pages of the largest size as aliased fields (`chunk0`, `chunk1`, …),
 * each `list(first: 500, filter: { ids: $idsN }) { nodes { <selection> } }`, so a 1,000-id question is still one round
 * trip and each subgraph answers each hop with its batched loaders.
 */
async function nodesByIds<T>(graph: GraphClient, operation: string, list: string, sourceIds: readonly string[], selection: string): Promise<T[]> {
  const ids = [...new Set(sourceIds)];
  const chunks = Array.from({ length: Math.ceil(ids.length / pageSize) }, (_, i) => ids.slice(i * pageSize, (i + 1) * pageSize));
  if (chunks.length === 0) return [];
  const data = await graph.query<Record<string, { nodes: T[] }>>(
    `query ${operation}(${chunks.map((_, i) => `$ids${i}: [ID!]!`).join(', ')}) {
      ${chunks.map((_, i) => `chunk${i}: ${list}(first: ${pageSize}, filter: { ids: $ids${i} }) { nodes { ${selection} } }`).join('\n')}
    }`,
    Object.fromEntries(chunks.map((chunk, i) => [`ids${i}`, chunk])),
  );
  return Object.values(data).flatMap((page) => page.nodes);
}

/** erp's `billing { status }` of time's entries or expenses, read through time's own list (erp resolves it in one fetch). */
async function billingStatusesOf(graph: GraphClient, list: 'timeEntries' | 'expenses', sourceIds: readonly string[]): Promise<Map<string, EntryBillingStatus>> {
  const nodes = await nodesByIds<{ id: string; billing: { status: EntryBillingStatus } }>(graph, 'BillingStatuses', list, sourceIds, 'id billing { status }');
  return new Map(nodes.map((node) => [node.id, node.billing.status]));
}

/** Every id a connection query (taking `$after`) lists, page after page. */
async function idsOf(graph: GraphClient, query: string, field: string, variables: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  await eachGraphPage<{ id: string }>(graph, query, field, variables, (nodes) => void ids.push(...nodes.map((node) => node.id)));
  return ids;
}

function toProjectFacts(answer: ProjectAnswer, workers: ReadonlySet<string>): ProjectFacts {
  return {
    id: answer.id,
    code: answer.code,
    status: answer.status,
    legalEntityId: answer.legalEntity?.id ?? null,
    currency: answer.currency,
    contractId: answer.contract?.id ?? null,
    tasks: answer.tasks.nodes,
    assignments: answer.assignments.nodes
      .filter((assignment) => workers.has(assignment.worker.id))
      .map((assignment) => ({
        id: assignment.id,
        workerId: assignment.worker.id,
        roleId: assignment.role.id,
        startDate: assignment.startDate,
        endDate: assignment.endDate,
        status: assignment.status,
        billRateOverride: assignment.billRateOverride?.amount ?? null,
      })),
    rateCardId: answer.contract?.rateCard?.id ?? null,
    rates: (answer.contract?.rateCard?.rates ?? []).map((rate) => ({
      id: rate.id,
      roleId: rate.role.id,
      billRate: rate.billRate.amount,
      effectiveFrom: rate.effectiveFrom,
      effectiveTo: rate.effectiveTo,
    })),
  };
}

function toWorkerFacts(answer: WorkerAnswer): WorkerFacts {
  return {
    id: answer.id,
    name: answer.name,
    status: answer.status,
    hireDate: answer.hireDate,
    terminationDate: answer.terminationDate,
    legalEntityId: answer.legalEntity.id,
    roleId: answer.role.id,
    managerId: answer.manager?.id ?? null,
  };
}

interface WorkforceAnswer {
  id: string;
  targetUtilization: string | null;
  history: Array<{
    effectiveFrom: string;
    effectiveTo: string | null;
    role: { id: string; targetUtilization: string };
    costCenter: { id: string };
    legalEntity: { id: string };
    capacity: Array<{ start: string; hours: string }>;
  }>;
}

interface WorkerCalendarAnswer {
  id: string;
  history: Array<{ effectiveFrom: string; effectiveTo: string | null; calendar: { hoursPerDay: string; workingDays: number[]; holidays: Array<{ date: string }> } }>;
}

/**
 * Payroll's hcm facts through the gateway: a page of workers' calendars as one list filtered by id (one fetch per
 * hop, holidays batched by hcm's loaders), and a legal entity's workers page by page.
 */
export function createGraphPayrollContext(graph: GraphClient): PayrollContextSource {
  return {
    async calendars({ workerIds, from, to }) {
      const ids = [...new Set(workerIds)];
      if (ids.length > pageSize) throw new Error(`at most ${pageSize} workers' calendars per request`);
      const facts = new Map<string, WorkerCalendarFacts | null>(ids.map((id) => [id, null]));
      if (ids.length === 0) return facts;
      const data = await graph.query<{ workers: { nodes: WorkerCalendarAnswer[] } }>(
        `query WorkerCalendars($ids: [ID!]!, $from: Date!, $to: Date!) {
          workers(first: ${pageSize}, filter: { ids: $ids }) {
            nodes { id history(from: $from, to: $to) { effectiveFrom effectiveTo calendar { hoursPerDay workingDays holidays(from: $from, to: $to) { date } } } }
          }
        }`,
        { ids, from, to },
      );
      for (const { id, history } of data.workers.nodes) {
        // Spans of other attributes repeat the calendar; each span keeps its own dates.
        facts.set(id, {
          workerId: id,
          calendars: history.map(({ effectiveFrom, effectiveTo, calendar }) => ({
            from: effectiveFrom,
            to: effectiveTo,
            hoursPerDay: calendar.hoursPerDay,
            workingDays: calendar.workingDays,
            holidays: calendar.holidays.map((holiday) => holiday.date),
          })),
        });
      }
      return facts;
    },

    async workforce({ filter, from, to, period }) {
      // Each span of the worker's history within the range, with the capacity of its own days (by its calendar); the
      // whole range as one period sums the span's months.
      const selection = `id targetUtilization history(from: $from, to: $to) {
        effectiveFrom effectiveTo role { id targetUtilization } costCenter { id } legalEntity { id } capacity(period: $period) { start hours }
      }`;
      const variables = { from, to, period: period ?? 'MONTH' };
      const header = '$from: Date!, $to: Date!, $period: CalendarPeriod!';
      const answers: WorkforceAnswer[] = [];
      if (filter.workerIds) {
        // Named workers: one page of ids per request (a manager's team, a worker alone).
        for (let i = 0; i < filter.workerIds.length; i += pageSize) {
          const data = await graph.query<{ workers: { nodes: WorkforceAnswer[] } }>(
            `query Workforce(${header}, $ids: [ID!]!) { workers(first: ${pageSize}, filter: { ids: $ids }) { nodes { ${selection} } } }`,
            { ...variables, ids: filter.workerIds.slice(i, i + pageSize) },
          );
          answers.push(...data.workers.nodes);
        }
      } else {
        // Not filtered by hcm, which filters on today's values: a worker who left the cost center asked about still
        // brings the days they were in it. Each span is matched below.
        await eachGraphPage<WorkforceAnswer>(
          graph,
          `query Workforce(${header}, $filter: WorkerFilter, $after: String) {
            workers(first: ${pageSize}, after: $after, filter: $filter) { nodes { ${selection} } pageInfo { hasNextPage endCursor } }
          }`,
          'workers',
          { ...variables, filter: {} },
          (workers) => void answers.push(...workers),
        );
      }
      const matches = (ids: readonly string[] | null, id: string) => ids === null || ids.includes(id);
      const periods = period ? periodsWithin(from, to, period) : [{ start: from, end: to }];
      return answers.flatMap((w) =>
        w.history
          .filter((span) => matches(filter.roleIds, span.role.id) && matches(filter.costCenterIds, span.costCenter.id) && matches(filter.legalEntityIds, span.legalEntity.id))
          .map((span) => ({
            workerId: w.id,
            from: span.effectiveFrom > from ? span.effectiveFrom : from,
            to: span.effectiveTo !== null && span.effectiveTo < to ? span.effectiveTo : to,
            roleId: span.role.id,
            costCenterId: span.costCenter.id,
            legalEntityId: span.legalEntity.id,
            targetUtilization: w.targetUtilization ?? span.role.targetUtilization,
            capacity: hoursByPeriod(span.capacity, periods),
          })),
      );
    },

    async workerIdsOfLegalEntity(legalEntityId) {
      const ids = await idsOf(
        graph,
        `query LegalEntityWorkers($legalEntityId: ID!, $after: String) {
          workers(first: ${pageSize}, after: $after, filter: { legalEntityId: $legalEntityId }) { nodes { id } pageInfo { hasNextPage endCursor } }
        }`,
        'workers',
        { legalEntityId },
      );
      // Nobody works for it: hcm says whether it exists, so an unknown entity is NOT_FOUND rather than an empty payroll.
      if (ids.length === 0) {
        const known = await graph.query<{ legalEntity: { id: string } | null }>(`query PayrollLegalEntity($id: ID!) { legalEntity(id: $id) { id } }`, { id: legalEntityId });
        if (!known.legalEntity) throw notFound('LegalEntity', legalEntityId);
      }
      return ids;
    },
  };
}

import type { ImportGraph } from './graph.ts';
import type { SourceRef } from './records.ts';

/**
 * The reads an import makes to find what exists: by external reference in batches, then by the natural keys a person
 * would match on (code, email, name). Each read is one request for many records, or one per record the file names
 * for the first time (the importer remembers what it found for the rest of the file).
 */

/**
 * Pages are sized to what a lookup can return (the gateway's demand control prices a list by its `first`): a page of
 * references holds at most one record per reference; a search by name expects a handful.
 */
const PAGE = 500;
const REFS_PER_REQUEST = 100;
const SEARCH_PAGE = 25;
const TASK_PAGE = 200;

export interface RefHolder {
  id: string;
  externalRefs: SourceRef[];
}

export interface CustomerNode extends RefHolder {
  name: string;
  code: string;
}

export interface RoleNode extends RefHolder {
  name: string;
  code: string;
}

export interface WorkerNode extends RefHolder {
  name: string;
  email: string;
  hireDate: string;
  role: { id: string };
}

export interface ProjectNode extends RefHolder {
  name: string;
  code: string;
  startDate: string;
  endDate: string | null;
  customer: { id: string };
}

export interface TaskNode extends RefHolder {
  name: string;
  wbs: string;
}

export interface AssignmentNode extends RefHolder {
  startDate: string;
  endDate: string;
  status: string;
}

export interface Firm {
  legalEntities: Array<{ id: string; code: string; name: string }>;
  costCenters: Array<{ id: string; code: string; name: string; legalEntity: { id: string } }>;
  calendars: Array<{ id: string; name: string }>;
  roles: RoleNode[];
}

const refs = 'externalRefs { system id }';
const fields = {
  customers: `id name code ${refs}`,
  workers: `id name email hireDate role { id } ${refs}`,
  projects: `id name code startDate endDate customer { id } ${refs}`,
};

type Listed = keyof typeof fields;
type NodeOf<L extends Listed> = L extends 'customers' ? CustomerNode : L extends 'workers' ? WorkerNode : ProjectNode;
const filterType: Record<Listed, string> = { customers: 'CustomerFilter', workers: 'WorkerFilter', projects: 'ProjectFilter' };

/** Every page of a list under a filter. */
async function all<T>(
  graph: ImportGraph,
  list: string,
  filterTypeName: string,
  selection: string,
  filter: Record<string, unknown>,
  page = PAGE,
): Promise<T[]> {
  const query = `query ImportLookup($filter: ${filterTypeName}, $after: String) {
    list: ${list}(filter: $filter, first: ${page}, after: $after) { nodes { ${selection} } pageInfo { hasNextPage endCursor } } }`;
  const nodes: T[] = [];
  let after: string | null = null;
  for (;;) {
    type Page = { list: { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    const page: Page = await graph.request<Page>(query, { filter, after });
    nodes.push(...page.list.nodes);
    if (!page.list.pageInfo.hasNextPage) return nodes;
    after = page.list.pageInfo.endCursor;
  }
}

/** The records of a list holding any of these references. */
export async function findByRefs<L extends Listed>(graph: ImportGraph, list: L, wanted: readonly SourceRef[]): Promise<NodeOf<L>[]> {
  const found: NodeOf<L>[] = [];
  for (let start = 0; start < wanted.length; start += REFS_PER_REQUEST) {
    const externalRefs = wanted.slice(start, start + REFS_PER_REQUEST).map(({ system, id }) => ({ system, id }));
    found.push(...(await all<NodeOf<L>>(graph, list, filterType[list], fields[list], { externalRefs }, REFS_PER_REQUEST)));
  }
  return found;
}

/** The records of a list matching a filter (a search, an email). */
export const findWhere = <L extends Listed>(graph: ImportGraph, list: L, filter: Record<string, unknown>) =>
  all<NodeOf<L>>(graph, list, filterType[list], fields[list], filter, SEARCH_PAGE);

/** A project's tasks, all of them. */
export async function tasksOf(graph: ImportGraph, projectId: string): Promise<TaskNode[]> {
  const query = `query ImportTasks($id: ID!, $after: String) { project(id: $id) {
    tasks(first: ${TASK_PAGE}, after: $after) { nodes { id name wbs ${refs} } pageInfo { hasNextPage endCursor } } } }`;
  const nodes: TaskNode[] = [];
  let after: string | null = null;
  for (;;) {
    type Page = { project: { tasks: { nodes: TaskNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null };
    const page: Page = await graph.request<Page>(query, { id: projectId, after });
    if (!page.project) return nodes;
    nodes.push(...page.project.tasks.nodes);
    if (!page.project.tasks.pageInfo.hasNextPage) return nodes;
    after = page.project.tasks.pageInfo.endCursor;
  }
}

/** A worker's assignments on a project, cancelled ones left out. */
export async function assignmentsOf(graph: ImportGraph, workerId: string, projectId: string): Promise<AssignmentNode[]> {
  const selection = `id startDate endDate status ${refs}`;
  const nodes = await all<AssignmentNode>(graph, 'assignments', 'AssignmentFilter', selection, { workerId, projectId }, SEARCH_PAGE);
  return nodes.filter((node) => node.status !== 'CANCELLED');
}

/** What new workers are placed in (legal entity, cost center, calendar) and every role, read once per import. */
export async function readFirm(graph: ImportGraph): Promise<Firm> {
  const list = async <T>(field: string, selection: string): Promise<T[]> => {
    const query = `query ImportFirm($after: String) { list: ${field}(first: ${PAGE}, after: $after) {
      nodes { ${selection} } pageInfo { hasNextPage endCursor } } }`;
    const nodes: T[] = [];
    let after: string | null = null;
    for (;;) {
      type Page = { list: { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      const page: Page = await graph.request<Page>(query, { after });
      nodes.push(...page.list.nodes);
      if (!page.list.pageInfo.hasNextPage) return nodes;
      after = page.list.pageInfo.endCursor;
    }
  };
  return {
    legalEntities: await list('legalEntities', 'id code name'),
    costCenters: await list('costCenters', 'id code name legalEntity { id }'),
    calendars: await list('workCalendars', 'id name'),
    roles: await list('roles', `id code name ${refs}`),
  };
}

/** A map key for a reference. */
export const refKey = (ref: SourceRef) => `${ref.system}\u0000${ref.id}`;

export const holds = (node: RefHolder, ref: SourceRef) => node.externalRefs.some((held) => held.system === ref.system && held.id === ref.id);

/** Case- and space-insensitive equality of names and codes. */
export const sameName = (a: string | null | undefined, b: string | null | undefined) =>
  a != null && b != null && a.trim().replace(/\s+/g, ' ').toLowerCase() === b.trim().replace(/\s+/g, ' ').toLowerCase();

import { eachGraphPage, type GraphClient } from '../../lib/graph-client.ts';
import { MAX_PAGE_SIZE } from '../../lib/graphql/connection.ts';
import type { AssignmentFacts } from './domain/reconciliation.ts';

/**
 * What reconciliation learns from the other subgraphs, through the gateway (erp's service role FINANCE), in pages of
 * the graph's largest size, outside any transaction. Each `each*` calls `page` once per page so the caller can check
 * a page against its own tables and heartbeat its lease; nothing is gathered whole into memory.
 */
export interface ReconciliationFactsSource {
  /**
   * time: entries (or expenses) APPROVED now whose latest approval was before `approvedBefore`, less those a correction
   * reversed (they keep APPROVED, but erp reversed their postings on purpose).
   */
  eachApproved(kind: 'TIME_ENTRY' | 'EXPENSE', approvedBefore: Date, page: (ids: string[]) => Promise<void>, options: { correlationId: string }): Promise<void>;
  /** psa: ACTIVE projects and their contracts. */
  eachActiveProject(page: (projects: Array<{ id: string; contractId: string | null }>) => Promise<void>, options: { correlationId: string }): Promise<void>;
  /** psa's assignments not cancelled, with hcm's worker status and termination date (one federated query per page). */
  eachAssignment(page: (assignments: AssignmentFacts[]) => Promise<void>, options: { correlationId: string }): Promise<void>;
}

export function createGraphReconciliationFacts(graph: GraphClient): ReconciliationFactsSource {
  return {
    eachApproved(kind, approvedBefore, page, { correlationId }) {
      const field = kind === 'TIME_ENTRY' ? 'timeEntries' : 'expenses';
      const filterType = kind === 'TIME_ENTRY' ? 'TimeEntryFilter' : 'ExpenseFilter';
      return eachGraphPage<{ id: string; reversedAt: string | null }>(
        graph,
        `query ReconciliationApproved($filter: ${filterType}!, $after: String) {
          ${field}(filter: $filter, first: ${MAX_PAGE_SIZE}, after: $after) {
            nodes { id reversedAt } pageInfo { hasNextPage endCursor }
          }
        }`,
        field,
        { filter: { status: ['APPROVED'], approvedBefore: approvedBefore.toISOString() } },
        (nodes) => page(nodes.filter((node) => !node.reversedAt).map((node) => node.id)),
        correlationId,
      );
    },
    eachActiveProject(page, { correlationId }) {
      return eachGraphPage<{ id: string; contract: { id: string } | null }>(
        graph,
        `query ReconciliationProjects($after: String) { projects(filter: { status: [ACTIVE] }, first: ${MAX_PAGE_SIZE}, after: $after) { nodes { id contract { id } } pageInfo { hasNextPage endCursor } } }`,
        'projects',
        {},
        (nodes) => page(nodes.map((node) => ({ id: node.id, contractId: node.contract?.id ?? null }))),
        correlationId,
      );
    },
    eachAssignment(page, { correlationId }) {
      return eachGraphPage<AssignmentFacts>(
        graph,
        `query ReconciliationAssignments($after: String) { assignments(filter: { status: [TENTATIVE, CONFIRMED] }, first: ${MAX_PAGE_SIZE}, after: $after) {
          nodes { id endDate status worker { id status terminationDate } } pageInfo { hasNextPage endCursor } } }`,
        'assignments',
        {},
        page,
        correlationId,
      );
    },
  };
}

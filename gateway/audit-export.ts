import type { ApolloServer } from '@apollo/server';
import { MAX_PAGE_SIZE } from '../lib/graphql/connection.ts';
import type { GatewayContext } from './context.ts';
import { dateTimeParameter, idParameter, runAsCaller, type ExportPlan, type ExportRow } from './export-stream.ts';

/** The columns of the audit export, in order (CSV header; the JSON lines' keys). */
export const auditColumns = [
  'id', 'recorded_at', 'subgraph', 'entity_type', 'entity_id', 'operation',
  'actor_worker_id', 'actor_roles', 'actor_api_key_id', 'actor_service', 'changes', 'correlation_id', 'reason',
] as const;

const auditQuery = `query AuditExport($entityType: String, $entityId: ID, $from: DateTime, $to: DateTime, $actor: ID, $after: String) {
  auditTrail(entityType: $entityType, entityId: $entityId, from: $from, to: $to, actor: $actor, first: ${MAX_PAGE_SIZE}, after: $after) {
    nodes {
      id recordedAt subgraph entityType entityId operation
      actor { workerId roles apiKeyId service }
      changes { field before after }
      correlationId reason
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface AuditNode {
  id: string; recordedAt: string; subgraph: string; entityType: string; entityId: string; operation: string;
  actor: { workerId: string | null; roles: string[]; apiKeyId: string | null; service: string | null };
  changes: Array<{ field: string; before: string; after: string }>; correlationId: string; reason: string | null;
}

/** The changes as one JSON object, `{ field: { before, after } }`, values as JSON keeps them (money as strings). */
const changesOf = (node: AuditNode) =>
  JSON.stringify(
    Object.fromEntries(node.changes.map(({ field, before, after }) => [field, { before: JSON.parse(before), after: JSON.parse(after) }])),
  );

const rowOf = (node: AuditNode): ExportRow => ({
  id: node.id, recorded_at: node.recordedAt, subgraph: node.subgraph, entity_type: node.entityType, entity_id: node.entityId,
  operation: node.operation, actor_worker_id: node.actor.workerId, actor_roles: node.actor.roles.join(' '),
  actor_api_key_id: node.actor.apiKeyId, actor_service: node.actor.service, changes: changesOf(node),
  correlation_id: node.correlationId, reason: node.reason,
});

/**
 * `GET /exports/audit[.csv|.jsonl]`: the audit trail (`auditTrail`), newest first, ADMIN and FINANCE (403 FORBIDDEN
 * otherwise, from the field itself). Query parameters, each optional and as the field's arguments: `entityType`,
 * `entityId`, `from`, `to` (date-times, `to` exclusive) and `actor`.
 */
export function auditExport(apollo: ApolloServer<GatewayContext>, context: GatewayContext, search: URLSearchParams): ExportPlan<AuditNode> {
  const variables = {
    entityType: idParameter(search, 'entityType'),
    entityId: idParameter(search, 'entityId'),
    from: dateTimeParameter(search, 'from'),
    to: dateTimeParameter(search, 'to'),
    actor: idParameter(search, 'actor'),
  };
  return {
    filename: 'audit-trail',
    columns: auditColumns,
    async fetchPage(after) {
      type Answer = { auditTrail: { nodes: AuditNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      const { auditTrail } = await runAsCaller<Answer>(apollo, context, auditQuery, { ...variables, after });
      return auditTrail;
    },
    rowsOf: (node) => [rowOf(node)],
  };
}

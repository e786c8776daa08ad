import type { GraphClient } from '../../lib/graph-client.ts';

/** What time did with one record (its `ApprovalRepublicationOutcome`). */
export type RepublishOutcome = 'REPUBLISHED' | 'NOT_FOUND' | 'NOT_APPROVED' | 'CORRECTED' | 'RATE_NOT_FOUND';

export interface RepublishedApproval {
  kind: 'TIME_ENTRY' | 'EXPENSE';
  id: string;
  outcome: RepublishOutcome;
  /** The id of the event time published again, when REPUBLISHED. */
  eventId: string | null;
}

/**
 * How erp asks time to publish approvals again when finance re-drives reconciliation (reconciliation-redrive.ts).
 * time owns the approvals and their events; erp only names them.
 */
export interface ApprovalRepublisher {
  /** At most 1,000 of each kind per call; one transaction in time; a retry with the same key publishes nothing more. */
  republish(
    request: { timeEntryIds: string[]; expenseIds: string[] },
    options: { correlationId: string; idempotencyKey: string | null },
  ): Promise<RepublishedApproval[]>;
}

/** time's `republishApprovals` through the gateway, as erp's service identity (FINANCE). */
export function createGraphApprovalRepublisher(graph: GraphClient): ApprovalRepublisher {
  return {
    async republish(request, { correlationId, idempotencyKey }) {
      const data = await graph.query<{ republishApprovals: RepublishedApproval[] }>(
        `mutation RedriveApprovals($timeEntryIds: [ID!], $expenseIds: [ID!], $key: String) {
          republishApprovals(timeEntryIds: $timeEntryIds, expenseIds: $expenseIds, idempotencyKey: $key) {
            kind id outcome eventId
          }
        }`,
        { ...request, key: idempotencyKey },
        { correlationId },
      );
      return data.republishApprovals;
    },
  };
}

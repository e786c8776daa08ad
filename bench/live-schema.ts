import { buildSchema, type GraphQLSchema } from 'graphql';
import { withSubscriptions } from '../gateway/subscriptions/schema.ts';

/** The least of the API schema the live fields need (time entries with a project), with the live fields: for benchmarks without the graph. */
export function liveBenchSchema(): GraphQLSchema {
  return withSubscriptions(
    buildSchema(`type Query { timeEntries(filter: F, first: Int): C! } input F { ids: [ID!] } type C { nodes: [TimeEntry!]! }
      type Project { id: ID! code: String! status: ProjectStatus! } enum ProjectStatus { ACTIVE }
      type TimeEntry { id: ID! status: EntryStatus! hours: String! project: Project! } type Timesheet { id: ID! status: EntryStatus! }
      enum EntryStatus { DRAFT SUBMITTED APPROVED REJECTED }
      type Invoice { id: ID! status: InvoiceStatus! } type BillingEvent { id: ID! status: BillingEventStatus! }
      enum InvoiceStatus { DRAFT } enum BillingEventStatus { UNBILLED }
      type ReconciliationException { id: ID! status: ReconciliationExceptionStatus! } enum ReconciliationExceptionStatus { OPEN }`),
  );
}

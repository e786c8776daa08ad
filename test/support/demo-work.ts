import type { Identity } from '../../lib/auth/identity.ts';
import type { DemoAssignment, DemoFirm } from '../../lib/seed/demo-firm.ts';
import { dataOf } from './subgraph-harness.ts';
import type { HubHarness } from './hub-harness.ts';

/**
 * Billable work the demo firm allows today: an ACTIVE worker who has a manager, their CONFIRMED assignment on an
 * ACTIVE project covering `today` (on a contract of `billingMethod`, or the contract `contractId`, when given), and an
 * open billable task of it; with the identities that log and approve it.
 */
export function billableWork(firm: DemoFirm, today: string, billingMethod?: DemoFirm['contracts'][number]['billingMethod'], contractId?: string) {
  return { ...billableWorkBetween(firm, today, today, billingMethod, contractId), today };
}

/** Billable work as `billableWork` finds it, but on every day from `from` to `to` (one assignment covers them all). */
export function billableWorkBetween(firm: DemoFirm, from: string, to: string, billingMethod?: DemoFirm['contracts'][number]['billingMethod'], contractId?: string) {
  const method = new Map(firm.contracts.map((c) => [c.id, c.billingMethod]));
  const activeProject = new Set(
    firm.projects
      .filter((p) => p.status === 'ACTIVE' && (!billingMethod || method.get(p.contractId) === billingMethod) && (!contractId || p.contractId === contractId))
      .map((p) => p.id),
  );
  const covering = (a: DemoAssignment) => a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= from && a.endDate >= to;
  const workerOf = (a: DemoAssignment) => firm.workers.find((w) => w.id === a.workerId);
  const openTask = (a: DemoAssignment) => firm.tasks.some((t) => t.projectId === a.projectId && t.billable && t.status === 'OPEN');
  const assignment = firm.assignments.find((a) => covering(a) && workerOf(a)?.status === 'ACTIVE' && workerOf(a)?.managerId && openTask(a))!;
  if (!assignment) throw new Error(`the demo firm has no billable work from ${from} to ${to}${billingMethod ? ` on a ${billingMethod} contract` : ''}`);
  const worker = workerOf(assignment)!;
  const task = firm.tasks.find((t) => t.projectId === assignment.projectId && t.billable && t.status === 'OPEN')!;
  const asWorker: Identity = { roles: ['WORKER'], workerId: worker.id };
  const asManager: Identity = { roles: ['WORKER', 'MANAGER'], workerId: worker.managerId! };
  return { assignment, worker, task, asWorker, asManager };
}

export type BillableWork = ReturnType<typeof billableWork>;

/** Logs `hours` of the work today as its worker, submits it and has the manager approve it; returns the entry's id and version. */
export async function approvedEntry(graph: HubHarness, work: BillableWork, hours: string): Promise<{ id: string; version: number }> {
  const input = { projectId: work.assignment.projectId, taskId: work.task.id, date: work.today, hours };
  const { id } = dataOf(await graph.query(`mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`, { input }, work.asWorker)).logTimeEntry;
  dataOf(await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [id] }, work.asWorker));
  const [approved] = dataOf(await graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { version } }`, { ids: [id] }, work.asManager)).approveTimeEntries;
  return { id, version: approved.version };
}

const finance = { roles: ['FINANCE'] as const };

/** Where an entry stands in billing, as finance sees it: status, invoice, and the billing event's contract and customer. */
export const entryBilling = async (graph: HubHarness, id: string) =>
  dataOf(await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { status invoice { id } billingEvent { contract { id } customer { id } } } } }`, { id }, finance))
    .timeEntry.billing;

/** A customer's open receivable in one currency ("0.00" when it has none). */
export async function arBalanceOf(graph: HubHarness, customerId: string, currency: string): Promise<string> {
  const { customer } = dataOf(await graph.query(`query($id: ID!) { customer(id: $id) { arBalance { amount currency } } }`, { id: customerId }, finance));
  return customer.arBalance.find((money: { currency: string }) => money.currency === currency)?.amount ?? '0.00';
}

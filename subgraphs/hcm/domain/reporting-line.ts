import { badInput } from '../../../lib/errors.ts';

/** Each worker's manager (null at the top), for the workers on the chain being examined. */
export type ManagerLinks = ReadonlyMap<string, string | null>;

/**
 * The managers above `workerId`, nearest first. Stops at the top, at a worker missing from `links`, or on a repeat
 * (so even corrupt data cannot loop forever).
 */
export function managersAbove(workerId: string, links: ManagerLinks): string[] {
  const chain: string[] = [];
  const seen = new Set([workerId]);
  let current = links.get(workerId) ?? null;
  while (current !== null && !seen.has(current)) {
    chain.push(current);
    seen.add(current);
    current = links.get(current) ?? null;
  }
  return chain;
}

/**
 * The reporting line is a tree: a worker cannot manage themselves, nor be managed by anyone who reports to them
 * (directly or not). `links` must cover the chain above `managerId`.
 */
export function assertNoManagerCycle(workerId: string, managerId: string | null, links: ManagerLinks): void {
  if (managerId === null) return;
  if (managerId === workerId) throw badInput('managerId', 'a worker cannot be their own manager');
  if (managersAbove(managerId, links).includes(workerId)) {
    throw badInput('managerId', `${managerId} reports to ${workerId}; the reporting line would become a cycle`);
  }
}

/** Whether `managerId` is somewhere above `workerId` in the reporting line. */
export const isInReportingLine = (workerId: string, managerId: string, links: ManagerLinks) =>
  managersAbove(workerId, links).includes(managerId);

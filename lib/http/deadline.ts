/**
 * The request's deadline, as the gateway sends it to subgraphs: epoch milliseconds after which nobody waits for the
 * answer any more (GATEWAY_REQUEST_TIMEOUT_MS from the client's request). A subgraph refuses work that arrives late.
 */
export const DEADLINE_HEADER = 'x-psgraph-deadline';

/** The deadline a request carries, or undefined when it carries none (or one that is not a number). */
export function deadlineOfHeader(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const deadline = Number(raw);
  return Number.isFinite(deadline) ? deadline : undefined;
}

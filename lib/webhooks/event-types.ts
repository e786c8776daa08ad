import { badInput } from '../errors.ts';

/**
 * What an endpoint may subscribe to: an event type of the catalogue (`time.entry.approved`), every type under a
 * prefix (`time.*`, `erp.invoice.*`), or `*` for all. The catalogue is the host's: every type its consumer receives.
 */
export function checkEventTypePatterns(field: string, patterns: readonly string[], catalogue: readonly string[]): string[] {
  const wanted = [...new Set(patterns.map((pattern) => pattern.trim()))];
  if (wanted.length === 0) throw badInput(field, 'name at least one event type');
  const unknown = wanted.filter((pattern) => !catalogue.some((type) => matchesEventType(pattern, type)));
  if (unknown.length > 0) {
    const error = badInput(
      field,
      `unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid types are ${catalogue.join(', ')}` +
        ', or a prefix with .* (time.*), or *',
    );
    Object.assign(error.details, { unknown, validTypes: [...catalogue] });
    throw error;
  }
  return wanted;
}

/** Whether `type` is one the pattern names. */
export function matchesEventType(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export const subscribesTo = (patterns: readonly string[], type: string) => patterns.some((pattern) => matchesEventType(pattern, type));

import { DomainError } from '../../../lib/errors.ts';
import type { ProjectStatus } from '../tables.ts';

/** What activation looks at: the project's billing terms and whether erp reported its contract's billing setup. */
export interface ActivationFacts {
  contractId: string | null;
  billingMethod: string | null;
  legalEntityId: string | null;
  billingReady: boolean;
}

/**
 * DESIGN §1: a project becomes ACTIVE only when finance can invoice it, i.e. it has a contract, a billing method and
 * a legal entity, and erp has set up billing (rate card included) for that contract. Returns what is missing, in
 * that order; empty when ready.
 */
export function missingForActivation(facts: ActivationFacts): string[] {
  const missing: string[] = [];
  if (!facts.contractId) missing.push('contract');
  if (!facts.billingMethod) missing.push('billing method');
  if (!facts.legalEntityId) missing.push('legal entity');
  if (!facts.billingReady) missing.push('billing setup');
  return missing;
}

/** PROJECT_NOT_READY naming everything missing, so one answer tells the caller all there is to fix. */
export function assertReadyToActivate(code: string, facts: ActivationFacts): void {
  const missing = missingForActivation(facts);
  if (missing.length > 0) {
    throw new DomainError('PROJECT_NOT_READY', `project ${code} cannot be activated: missing ${missing.join(', ')}`, { missing });
  }
}

/** A DRAFT project created from a won deal activates by itself as soon as it is ready (DESIGN §4.1). */
export const activatesAutomatically = (project: ActivationFacts & { status: ProjectStatus; activateWhenReady: boolean }) =>
  project.status === 'DRAFT' && project.activateWhenReady && missingForActivation(project).length === 0;

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { activatesAutomatically, assertReadyToActivate, missingForActivation, type ActivationFacts } from '../../../subgraphs/psa/domain/project-readiness.ts';

const ready: ActivationFacts = { contractId: 'c1', billingMethod: 'FIXED_FEE', legalEntityId: 'le1', billingReady: true };

describe('project readiness', () => {
  const cases: Array<[string, Partial<ActivationFacts>, string[]]> = [
    ['everything in place', {}, []],
    ['no contract (hence no billing setup either)', { contractId: null, billingReady: false }, ['contract', 'billing setup']],
    ['no billing method', { billingMethod: null }, ['billing method']],
    ['no legal entity', { legalEntityId: null }, ['legal entity']],
    ['billing not set up', { billingReady: false }, ['billing setup']],
    ['nothing at all', { contractId: null, billingMethod: null, legalEntityId: null, billingReady: false }, ['contract', 'billing method', 'legal entity', 'billing setup']],
  ];
  for (const [name, change, missing] of cases) {
    it(name, () => assert.deepEqual(missingForActivation({ ...ready, ...change }), missing));
  }

  it('refuses with PROJECT_NOT_READY and lists what is missing', () => {
    assert.throws(
      () => assertReadyToActivate('P-1', { ...ready, legalEntityId: null, billingReady: false }),
      (error: DomainError) =>
        error.code === 'PROJECT_NOT_READY' && error.message === 'project P-1 cannot be activated: missing legal entity, billing setup',
    );
    assert.doesNotThrow(() => assertReadyToActivate('P-1', ready));
  });

  it('activates by itself only a ready DRAFT deal project', () => {
    assert.equal(activatesAutomatically({ ...ready, status: 'DRAFT', activateWhenReady: true }), true);
    assert.equal(activatesAutomatically({ ...ready, status: 'DRAFT', activateWhenReady: false }), false);
    assert.equal(activatesAutomatically({ ...ready, billingReady: false, status: 'DRAFT', activateWhenReady: true }), false);
    assert.equal(activatesAutomatically({ ...ready, status: 'ON_HOLD', activateWhenReady: true }), false);
  });
});

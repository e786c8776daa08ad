import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { billingReadiness, type ContractTerms } from '../../../subgraphs/erp/domain/billing-setup.ts';

describe('billing readiness: FIXED_FEE always, other methods need a rated role', () => {
  const cases: Array<[ContractTerms, 'READY' | 'BLOCKED']> = [
    [{ billingMethod: 'FIXED_FEE', ratedRoleIds: [] }, 'READY'],
    [{ billingMethod: 'FIXED_FEE', ratedRoleIds: ['consultant'] }, 'READY'],
    [{ billingMethod: 'TIME_AND_MATERIALS', ratedRoleIds: ['consultant'] }, 'READY'],
    [{ billingMethod: 'TIME_AND_MATERIALS', ratedRoleIds: [] }, 'BLOCKED'],
    [{ billingMethod: 'MANAGED_SERVICES', ratedRoleIds: [] }, 'BLOCKED'],
    [{ billingMethod: 'MANAGED_SERVICES', ratedRoleIds: ['architect', 'developer'] }, 'READY'],
    [{ billingMethod: 'RETAINER', ratedRoleIds: [] }, 'BLOCKED'],
    [{ billingMethod: 'RETAINER', ratedRoleIds: ['advisor'] }, 'READY'],
  ];
  for (const [terms, expected] of cases) {
    it(`${terms.billingMethod} with ${terms.ratedRoleIds.length} rated roles is ${expected}`, () => {
      const readiness = billingReadiness(terms);
      assert.equal(readiness.status, expected);
      if (readiness.status === 'BLOCKED') assert.match(readiness.reason, new RegExp(terms.billingMethod));
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldAccess } from '../../lib/auth/field-access.ts';
import type { Identity } from '../../lib/auth/identity.ts';
import { DomainError } from '../../lib/errors.ts';

/** How a declared rule is applied (lib/auth/field-access.ts): roles first, then the MANAGER of the record's project. */
describe('field access rules', () => {
  const fields = fieldAccess('test', {
    'Project.budget': { roles: ['FINANCE', 'RESOURCE_MANAGER'], projectManager: true },
    'Rate.billRate': { roles: ['FINANCE'], projectManager: false },
  });
  const manager = (workerId: string): Identity => ({ roles: ['WORKER', 'MANAGER'], workerId });

  const cases: Array<[string, Identity, 'Project.budget' | 'Rate.billRate', string | null, boolean]> = [
    ['a named role', { roles: ['RESOURCE_MANAGER'], workerId: null }, 'Project.budget', null, true],
    ['ADMIN, never named', { roles: ['ADMIN'], workerId: null }, 'Rate.billRate', null, true],
    ['a role not named', { roles: ['RESOURCE_MANAGER'], workerId: null }, 'Rate.billRate', null, false],
    ["the project's MANAGER", manager('m-1'), 'Project.budget', 'm-1', true],
    ['a MANAGER of another project', manager('m-2'), 'Project.budget', 'm-1', false],
    ['a MANAGER where the project has none', manager('m-1'), 'Project.budget', null, false],
    ["the project's MANAGER, where the rule does not admit managers", manager('m-1'), 'Rate.billRate', 'm-1', false],
    ["a plain WORKER the project names as its manager", { roles: ['WORKER'], workerId: 'm-1' }, 'Project.budget', 'm-1', false],
    ['a service identity without roles', { roles: [], workerId: null, service: 'time' }, 'Project.budget', null, false],
  ];

  for (const [who, identity, field, projectManager, allowed] of cases) {
    it(`${field}: ${who} ${allowed ? 'reads it' : 'is refused'}`, async () => {
      const read = fields.read(identity, field, () => 'value', () => projectManager);
      if (allowed) return assert.equal(await read, 'value');
      await assert.rejects(read, (error: unknown) => {
        assert.ok(error instanceof DomainError);
        assert.equal(error.code, 'FORBIDDEN');
        assert.deepEqual(error.details, { field });
        return true;
      });
    });
  }

  it('looks the project manager up only when the roles do not decide, and reads the value only when allowed', async () => {
    let lookups = 0;
    let reads = 0;
    const managerOf = () => {
      lookups += 1;
      return 'm-1';
    };
    const value = () => {
      reads += 1;
      return 'value';
    };
    await fields.read({ roles: ['FINANCE'], workerId: null }, 'Project.budget', value, managerOf);
    await fields.read({ roles: ['WORKER'], workerId: 'w-1' }, 'Project.budget', value, managerOf).catch(() => undefined);
    assert.equal(lookups, 0, 'neither FINANCE nor a plain WORKER needs the lookup');
    await fields.read(manager('m-2'), 'Project.budget', value, managerOf).catch(() => undefined);
    assert.deepEqual([lookups, reads], [1, 1], 'a MANAGER is looked up; the refused value is never read');
  });
});

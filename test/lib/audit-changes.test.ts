import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actorOf, changedFields } from '../../lib/audit/record.ts';

/** What an audit record keeps of a change (lib/audit/record.ts): the changed fields only, as JSON keeps them. */
describe('audit: changed fields', () => {
  const at = new Date('2026-12-07T10:00:00.000Z');
  const cases: Array<{ name: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; expected: unknown }> = [
    {
      name: 'a creation lists every field after, camel-cased, dates as ISO-8601, bookkeeping left out',
      before: null,
      after: { id: 'c1', not_to_exceed: '100.00', start_date: '2026-01-01', issued_at: at, created_at: at, updated_at: at, version: 1 },
      expected: { before: null, after: { id: 'c1', notToExceed: '100.00', startDate: '2026-01-01', issuedAt: '2026-12-07T10:00:00.000Z' } },
    },
    {
      name: 'a removal lists every field before',
      before: { id: 'w1', url: 'https://example.com' },
      after: null,
      expected: { before: { id: 'w1', url: 'https://example.com' }, after: null },
    },
    {
      name: 'an update lists only what changed; a decimal written 120 is the 120.00 stored',
      before: { id: 'r1', rate_percent: '120.00', name: 'VAT', updated_at: at },
      after: { id: 'r1', rate_percent: '120', name: 'Sales tax', updated_at: new Date() },
      expected: { before: { name: 'VAT' }, after: { name: 'Sales tax' } },
    },
    {
      name: 'a field set or cleared is listed with null on the other side',
      before: { amount: '5.00', end_date: null },
      after: { amount: '5.00', end_date: '2026-06-30' },
      expected: { before: { endDate: null }, after: { endDate: '2026-06-30' } },
    },
    {
      name: 'lists and objects compare by value',
      before: { rates: [{ role_id: 'r', bill_rate: '100.00' }] },
      after: { rates: [{ role_id: 'r', bill_rate: '100.00' }, { role_id: 's', bill_rate: '90.00' }] },
      expected: {
        before: { rates: [{ roleId: 'r', billRate: '100.00' }] },
        after: { rates: [{ roleId: 'r', billRate: '100.00' }, { roleId: 's', billRate: '90.00' }] },
      },
    },
    {
      name: 'an update that changes nothing lists nothing (and records nothing)',
      before: { name: 'VAT', rate_percent: '19.00' },
      after: { name: 'VAT', rate_percent: '19' },
      expected: { before: {}, after: {} },
    },
  ];
  for (const { name, before, after, expected } of cases) {
    it(name, () => assert.deepEqual(changedFields(before, after), expected));
  }

  it('names the actor: the worker and roles, the API key from its principal, or the service', () => {
    assert.deepEqual(actorOf({ workerId: 'w1', roles: ['FINANCE'] }), {
      actor_worker_id: 'w1', actor_roles: '["FINANCE"]', actor_api_key_id: null, actor_service: null,
    });
    assert.deepEqual(actorOf({ workerId: null, roles: ['FINANCE'], principal: 'api-key:k1' }), {
      actor_worker_id: null, actor_roles: '["FINANCE"]', actor_api_key_id: 'k1', actor_service: null,
    });
    assert.deepEqual(actorOf({ workerId: null, roles: ['ADMIN'], service: 'erp' }).actor_service, 'erp');
    assert.deepEqual(actorOf({ workerId: null, roles: ['ADMIN'], principal: 'client:ci' }).actor_service, 'client:ci');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditServer, type AuditFail, type AuditResult } from 'graphql-http';
import type { Role } from '../../lib/auth/identity.ts';
import { loadConfig } from '../../lib/config.ts';
import { answersGraphQLResponseJson } from '../../gateway/graphql-over-http.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/** graphql-http's fetch with the caller's bearer token on every request: the gateway answers 401 without one. */
const fetchWithToken = (token: string) => (input: RequestInfo | URL, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

/** Every audit that is not `ok` (errors, warnings and notices alike), with the answer that failed it. */
async function notOk(results: readonly AuditResult[]) {
  const failed = results.filter((result): result is AuditFail => result.status !== 'ok');
  return Promise.all(
    failed.map(async (result) => {
      const body = await result.response.text().catch(() => '');
      return `${result.status} ${result.id} ${result.name}: ${result.reason} (${result.response.status} ${body.slice(0, 300)})`;
    }),
  );
}

const introspectionQuery = `{ __schema { queryType { name } } }`;

async function post(graph: HubHarness, query: string, roles?: Role[], accept?: string) {
  const response = await fetch(graph.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(roles ? { authorization: `Bearer ${await graph.token(roles)}` } : {}),
      ...(accept ? { accept } : {}),
    },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as any };
}

describe('GraphQL over HTTP: graphql-http audit, development', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ config: loadConfig({}) });
  });
  after(() => graph.close());

  it('passes every audit, warnings and notices included', async () => {
    const results = await auditServer({ url: graph.url, fetchFn: fetchWithToken(await graph.token(['WORKER'])) });
    assert.ok(results.length >= 60, `${results.length} audits`);
    assert.deepEqual(await notOk(results), []);
  });

  it('lets any authenticated caller introspect', async () => {
    const { status, body } = await post(graph, introspectionQuery, ['WORKER']);
    assert.equal(status, 200);
    assert.deepEqual(body, { data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('answers a document error 200 for application/json and 400 for application/graphql-response+json, as Apollo negotiates', async () => {
    const accepts = [
      undefined,
      '*/*',
      'application/json',
      'application/graphql-response+json',
      'application/graphql-response+json, application/json;q=0.9',
      'application/json, application/graphql-response+json',
      'application/json;q=0.5, application/graphql-response+json',
      'application/*',
      'application/graphql-response+json;q=0, */*',
    ];
    for (const accept of accepts) {
      const { status, contentType, body } = await post(graph, '{ noSuchField }', ['WORKER'], accept);
      const graphqlResponse = /^application\/graphql-response\+json/.test(contentType ?? '');
      assert.equal(status, graphqlResponse ? 400 : 200, `${accept}: ${status} ${contentType}`);
      assert.equal(answersGraphQLResponseJson(accept), graphqlResponse, `${accept}`);
      assert.equal(body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.equal('data' in body, false);
    }
    const tooComplex = await post(graph, `{ me { ${'manager { '.repeat(20)}name${' }'.repeat(20)} } }`, ['WORKER']);
    assert.equal(tooComplex.status, 400, 'refusals by a limit keep their status');
  });
});

describe('GraphQL over HTTP: graphql-http audit, production', () => {
  let graph: HubHarness;
  before(async () => {
    // As `NODE_ENV=production npm run start:gateway` runs: Apollo Server reads NODE_ENV too (introspection off by default).
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      graph = await startTestHub({ config: loadConfig({ NODE_ENV: 'production', INTROSPECTION_ROLES: 'FINANCE,ADMIN' }) });
    } finally {
      if (previous === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = previous;
    }
  });
  after(() => graph?.close());

  it('passes every audit for a caller of an introspection role', async () => {
    const results = await auditServer({ url: graph.url, fetchFn: fetchWithToken(await graph.token(['ADMIN'])) });
    assert.ok(results.length >= 60, `${results.length} audits`);
    assert.deepEqual(await notOk(results), []);
  });

  it('refuses introspection without a token and to other roles, and serves it to the configured ones', async () => {
    const anonymous = await post(graph, introspectionQuery);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.errors[0].extensions.code, 'UNAUTHENTICATED');
    for (const roles of [['WORKER'], ['WORKER', 'MANAGER'], ['RESOURCE_MANAGER']] as Role[][]) {
      const refused = await post(graph, introspectionQuery, roles);
      assert.equal(refused.status, 403, String(roles));
      assert.equal(refused.body.data, undefined);
      assert.deepEqual(refused.body.errors[0].extensions, { code: 'FORBIDDEN' });
      assert.match(refused.body.errors[0].message, /Introspection is not allowed for this caller \(only FINANCE, ADMIN may; INTROSPECTION_ROLES\)/);
      const typeOnly = await post(graph, `{ __type(name: "Worker") { name } }`, roles);
      assert.equal(typeOnly.status, 403, `__type for ${roles}`);
      const typename = await post(graph, `{ __typename }`, roles);
      assert.deepEqual(typename.body, { data: { __typename: 'Query' } }, '__typename is no introspection');
    }
    for (const roles of [['FINANCE'], ['WORKER', 'ADMIN']] as Role[][]) {
      const allowed = await post(graph, introspectionQuery, roles);
      assert.equal(allowed.status, 200, String(roles));
      assert.deepEqual(allowed.body, { data: { __schema: { queryType: { name: 'Query' } } } });
    }
  });
});

describe('GraphQL over HTTP: settings', () => {
  it('INTROSPECTION_ROLES: every caller in development, ADMIN in production, or the roles, *, none', () => {
    assert.equal(loadConfig({}).introspection.roles, '*');
    assert.deepEqual(loadConfig({ NODE_ENV: 'production' }).introspection.roles, ['ADMIN']);
    assert.deepEqual(loadConfig({ NODE_ENV: 'production', INTROSPECTION_ROLES: 'finance, ADMIN' }).introspection.roles, ['FINANCE', 'ADMIN']);
    assert.equal(loadConfig({ NODE_ENV: 'production', INTROSPECTION_ROLES: '*' }).introspection.roles, '*');
    assert.deepEqual(loadConfig({ INTROSPECTION_ROLES: 'none' }).introspection.roles, []);
    assert.throws(() => loadConfig({ INTROSPECTION_ROLES: 'ADMINS' }), /INTROSPECTION_ROLES: "ADMINS" is not a list of roles/);
  });
});

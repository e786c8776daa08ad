import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, importJWK } from 'jose';
import { loadConfig } from '../../lib/config.ts';
import { demoWorkerFor } from '../../lib/seed/demo-users.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { eventually } from '../support/eventually.ts';
import { connectionInit } from '../support/connection-init.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { newSigningKey, startIdentityProvider, type SigningKey, type TestIdentityProvider } from '../support/oidc-provider.ts';

const audience = 'https://psgraph.test/api';
/** Short, so the rotation test can wait it out; long enough for its requests to fall within it on a slow machine. */
const cooldownSeconds = 3;

/**
 * The gateway as an OAuth 2 resource server of a real OpenID Connect provider (oidc-provider on a loopback port):
 * discovery and JWKS over HTTP, tokens from the client credentials grant and from the authorization code flow through
 * the provider's login page; key rotation, expiry, audience, group → role mapping and the worker a token names.
 */
describe('sign-in with the identity provider (OIDC)', () => {
  const firm = planDemoFirm({ scale: 1, today: new Date().toISOString().slice(0, 10) });
  const worker = demoWorkerFor('WORKER')!;
  const manager = demoWorkerFor('MANAGER')!;
  const leaver = firm.workers.find((candidate) => candidate.status === 'INACTIVE')!;
  let idp: TestIdentityProvider;
  let graph: HubHarness;
  let firstKey: SigningKey;

  before(async () => {
    firstKey = await newSigningKey('RS256', 'rsa-2026-11');
    const keys = [firstKey, await newSigningKey('ES256', 'ec-2026-11'), await newSigningKey('EdDSA', 'ed-2026-11')];
    idp = await startIdentityProvider({
      audience,
      keys,
      clients: ['bi-refresh', 'stranger-app'],
      accounts: {
        // Emails as the provider has them (case differs from hcm's): matched ignoring case.
        worker: { email: worker.email.toUpperCase(), groups: ['Everyone', 'psgraph-staff'] },
        manager: { email: manager.email, groups: ['psgraph-staff', 'psgraph-managers'] },
        finance: { email: demoWorkerFor('FINANCE')!.email, groups: ['psgraph-staff', 'psgraph-finance'] },
        marketing: { email: worker.email, groups: ['Everyone', 'marketing'] },
        outsider: { email: 'someone@elsewhere.example', groups: ['psgraph-staff'] },
        leaver: { email: leaver.email, groups: ['psgraph-staff'] },
        nameless: { groups: ['psgraph-staff'] },
      },
    });
    const config = loadConfig({
      OIDC_ISSUER: idp.issuer,
      OIDC_AUDIENCE: audience,
      OIDC_WORKER_CLAIM: 'email',
      OIDC_ROLE_CLAIM: 'groups',
      OIDC_ROLE_MAP: 'psgraph-staff=WORKER,psgraph-managers=MANAGER,psgraph-finance=FINANCE',
      OIDC_CLIENT_ROLE_MAP: 'bi-refresh=FINANCE',
      // The rotation test waits this out once; the expiry test relies on no skew.
      OIDC_JWKS_COOLDOWN_SECONDS: String(cooldownSeconds),
      TOKEN_CLOCK_SKEW_SECONDS: '0',
    });
    graph = await startTestHub({ seed: { scale: 1 }, config });
  });
  after(async () => {
    await graph?.close();
    await idp?.stop();
  });

  const post = (token: string, query: string) =>
    fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
  const me = `{ me { id } }`;

  it('signs a person in with an authorization-code token: the worker their email names, roles from their groups', async () => {
    const response = await post(await idp.authorizationCode('worker'), `{ me { id email costRates { effectiveFrom } } }`);
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.deepEqual(body.data.me.id, worker.id);
    assert.equal(body.data.me.costRates, null, 'psgraph-staff maps to WORKER only: cost rates are not theirs to read');
    assert.deepEqual(body.errors.map((error: any) => error.extensions.code), ['FORBIDDEN']);

    const asManager = await (await post(await idp.authorizationCode('manager'), `{ me { id } approvalQueue(first: 1) { totalCount } }`)).json();
    assert.equal(asManager.errors, undefined, JSON.stringify(asManager.errors));
    assert.equal(asManager.data.me.id, manager.id);

    const asFinance = await (await post(await idp.authorizationCode('finance'), `{ me { costRates { effectiveFrom } } }`)).json();
    assert.equal(asFinance.errors, undefined, 'psgraph-finance maps to FINANCE, who reads cost rates');
    assert.ok(asFinance.data.me.costRates.length > 0);
  });

  it('accepts a program with client credentials as the roles OIDC_CLIENT_ROLE_MAP gives it, naming no worker', async () => {
    const token = await idp.clientCredentials('bi-refresh');
    const body = await (await post(token, `{ me { id } workers(first: 1) { nodes { costRates { effectiveFrom } } } }`)).json();
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data.me, null);
    assert.ok(body.data.workers.nodes[0].costRates);

    const stranger = await post(await idp.clientCredentials('stranger-app'), me);
    assert.equal(stranger.status, 403);
    const [error] = (await stranger.json()).errors;
    assert.equal(error.extensions.code, 'FORBIDDEN');
    assert.equal(error.extensions.claim, 'email');
    assert.match(error.message, /no "email" claim naming a worker, and its client "stranger-app" is not in OIDC_CLIENT_ROLE_MAP/);
  });

  it('refuses tokens it cannot map, FORBIDDEN with the reason: no mapped group, no such worker, a leaver, no worker claim', async () => {
    const refusals = [
      { account: 'marketing', claim: 'groups', says: /its "groups" claim \(Everyone, marketing\) grants none of psgraph's roles in OIDC_ROLE_MAP/ },
      { account: 'outsider', claim: 'email', says: /no worker in hcm has the email "someone@elsewhere.example" its "email" claim names/ },
      { account: 'leaver', claim: 'email', says: /is not ACTIVE/ },
      { account: 'nameless', claim: 'email', says: /no "email" claim naming a worker, and its client "portal" is not in OIDC_CLIENT_ROLE_MAP/ },
    ];
    for (const { account, claim, says } of refusals) {
      const response = await post(await idp.authorizationCode(account), me);
      assert.equal(response.status, 403, account);
      const [error] = (await response.json()).errors;
      assert.equal(error.extensions.code, 'FORBIDDEN', account);
      assert.equal(error.extensions.claim, claim, account);
      assert.match(error.message, says, account);
    }
  });

  it('refuses a token issued for another API (aud): 401 UNAUTHENTICATED naming the claim', async () => {
    const response = await post(await idp.clientCredentials('bi-refresh', { resource: 'https://other-app.test/api' }), me);
    assert.equal(response.status, 401);
    const [error] = (await response.json()).errors;
    assert.equal(error.extensions.code, 'UNAUTHENTICATED');
    assert.equal(error.extensions.claim, 'aud');
  });

  it('accepts RS256, ES256 and EdDSA signatures', async () => {
    try {
      for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
        idp.signWith(alg);
        const body = await (await post(await idp.authorizationCode('worker'), me)).json();
        assert.equal(body.data?.me?.id, worker.id, `${alg}: ${JSON.stringify(body)}`);
      }
    } finally {
      idp.signWith('RS256');
    }
  });

  it('refuses an expired token: 401 naming exp, and on graphql-ws 4401 (renew it)', async () => {
    idp.tokensLast(1);
    let token: string;
    try {
      token = await idp.clientCredentials('bi-refresh');
    } finally {
      idp.tokensLast(300);
    }
    await eventually(async () => {
      const response = await post(token, me);
      assert.equal(response.status, 401);
      const [error] = (await response.json()).errors;
      assert.equal(error.extensions.claim, 'exp');
      assert.match(error.message, /"exp" has passed/);
    }, 10_000);
    const closed = await connectionInit(graph.url, token);
    assert.ok(closed !== 'acknowledged' && closed.code === 4401 && /"exp" has passed/.test(closed.reason), JSON.stringify(closed));
  });

  it('applies the same identity on graphql-ws: a person connects; an unmapped one is closed with 4403 (a fresh token would not help)', async () => {
    assert.equal(await connectionInit(graph.url, await idp.authorizationCode('manager')), 'acknowledged');
    const outsider = await connectionInit(graph.url, await idp.authorizationCode('outsider'));
    assert.ok(outsider !== 'acknowledged' && outsider.code === 4403 && /no worker in hcm/.test(outsider.reason), JSON.stringify(outsider));
  });

  it('finds workers by exact email (any case) and employee number through the graph: what sign-in matches claims with', async () => {
    const byEmail = await graph.query(`query($email: String) { workers(filter: { email: $email }) { nodes { id } } }`, {
      email: worker.email.toUpperCase(),
    });
    assert.deepEqual(byEmail.data.workers.nodes, [{ id: worker.id }]);
    const part = worker.email.slice(1);
    const partial = await graph.query(`query($email: String) { workers(filter: { email: $email }) { nodes { id } } }`, { email: part });
    assert.deepEqual(partial.data.workers.nodes, [], 'exact, not a search');
    const byNumber = await graph.query(`query($n: String) { workers(filter: { employeeNumber: $n }) { nodes { id } } }`, {
      n: worker.employeeNumber,
    });
    assert.deepEqual(byNumber.data.workers.nodes, [{ id: worker.id }]);
  });

  it('refuses to start without an audience or with a role map it cannot read', () => {
    assert.throws(() => loadConfig({ OIDC_ISSUER: 'https://sso.example.com/realms/firm' }), /OIDC_AUDIENCE is required/);
    const base = { OIDC_ISSUER: 'https://sso.example.com/realms/firm', OIDC_AUDIENCE: 'psgraph' };
    assert.throws(() => loadConfig({ ...base, OIDC_ROLE_MAP: 'psgraph-finance=ACCOUNTANT' }), /OIDC_ROLE_MAP: "psgraph-finance=ACCOUNTANT"/);
    assert.throws(() => loadConfig({ ...base, OIDC_WORKER_MATCH: 'name' }), /OIDC_WORKER_MATCH must be one of email, employeeNumber, id/);
    const { oidc } = loadConfig({ ...base, OIDC_ROLE_MAP: 'managers=MANAGER, managers=worker ,/firm/finance=FINANCE' });
    assert.deepEqual([...oidc!.roleMap!], [['managers', ['MANAGER', 'WORKER']], ['/firm/finance', ['FINANCE']]]);
    assert.equal(loadConfig({}).oidc, null);
  });

  it('follows a key rotation: a new kid fetches the keys once; made-up kids fetch nothing within the cooldown', async () => {
    const signedBefore = await idp.clientCredentials('bi-refresh');
    assert.equal((await post(signedBefore, me)).status, 200, 'the current key is known (fetched by the tests before)');
    const nextKey = await newSigningKey('RS256', 'rsa-2026-12');
    // Signed by no key the issuer publishes, with everything else right.
    const forged = await new SignJWT({ client_id: 'bi-refresh' })
      .setProtectedHeader({ alg: 'RS256', kid: 'made-up' })
      .setIssuer(idp.issuer)
      .setAudience(audience)
      .setSubject('bi-refresh')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(await newSigningKey('RS256', 'made-up'), 'RS256'));
    // Past the cooldown of the last fetch, so the rotated key may fetch the keys again.
    await new Promise((resolve) => setTimeout(resolve, cooldownSeconds * 1000 + 100));

    const fetched = idp.jwksRequests;
    idp.rotate([nextKey, firstKey]);
    const rotated = await idp.clientCredentials('bi-refresh');
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(rotated, me)));
    assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 200, 200, 200]);
    assert.equal(idp.jwksRequests, fetched + 1, 'five requests with the new kid fetched the keys once');
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await post(forged, me);
      assert.equal(response.status, 401);
      const [error] = (await response.json()).errors;
      assert.equal(error.extensions.claim, 'kid');
      assert.match(error.message, /no key of the issuer matches its "kid"/);
    }
    assert.equal(idp.jwksRequests, fetched + 1, 'made-up kids within the cooldown fetch nothing');
    assert.equal((await post(signedBefore, me)).status, 200, 'a token of the previous key, still published, is still good');
  });
});

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { subgraphNames } from '../../lib/config.ts';
import { eventually } from '../support/eventually.ts';

/**
 * The production topology for real: five subgraph processes (`subgraphs/<name>/main.ts`) on PostgreSQL, a gateway
 * process, Redis Streams between them. Runs when PG_URL and REDIS_URL are set (always in CI).
 */
const enabled = Boolean(process.env.PG_URL && process.env.REDIS_URL);

describe('production topology: six processes, PostgreSQL, Redis', { skip: !enabled && 'needs PG_URL and REDIS_URL' }, () => {
  const suffix = randomBytes(4).toString('hex');
  const basePort = 20000 + Math.floor(Math.random() * 20000);
  const shared = {
    JWT_SECRET: `jwt-${suffix}`,
    IDENTITY_SIGNING_SECRET: `identity-${suffix}`,
    REDIS_URL: process.env.REDIS_URL!,
    EVENT_STREAM: `psgraph:test:${suffix}`,
    LOG_LEVEL: 'error',
    NODE_ENV: 'production',
  };
  const processes: ChildProcess[] = [];
  let gatewayUrl = '';

  const launch = (entry: string, env: Record<string, string>) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...shared, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    processes.push(child);
  };

  before(async () => {
    const urls: Record<string, string> = {};
    subgraphNames.forEach((name, index) => {
      const port = basePort + 1 + index;
      urls[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${port}/graphql`;
      launch(`subgraphs/${name}/main.ts`, {
        PORT: String(port),
        DATABASE_URL: process.env.PG_URL!,
        DATABASE_SCHEMA: `p${suffix}_${name}`,
        GATEWAY_URL: `http://127.0.0.1:${basePort}/graphql`,
      });
    });
    launch('gateway/main.ts', { PORT: String(basePort), ...urls });
    gatewayUrl = `http://127.0.0.1:${basePort}/graphql`;
    await eventually(async () => {
      const ready = await fetch(`http://127.0.0.1:${basePort}/readyz`);
      assert.equal(ready.status, 200);
    }, 60_000);
  });

  after(async () => {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: process.env.PG_URL }) }) });
    for (const name of subgraphNames) await sql`drop schema if exists ${sql.id(`p${suffix}_${name}`)} cascade`.execute(db);
    await db.destroy();
  });

  const query = async (text: string, variables: Record<string, unknown> = {}) => {
    const token = await signBearerToken({ workerId: null, roles: ['ADMIN'] }, shared.JWT_SECRET);
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text, variables }),
    });
    const body = await response.json();
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data;
  };

  it('runs the deal-to-project flow across processes over Redis', async () => {
    const customer = await query(`mutation { createCustomer(input: { name: "Tyrell Corp", code: "TYRELL", currency: "EUR" }) { id } }`);
    const opportunity = await query(
      `mutation($c: ID!) { createOpportunity(input: { customerId: $c, name: "Replicant QA", probability: 70, billingMethod: FIXED_FEE,
         legalEntityId: "le-nl", estimatedHours: [{ roleId: "role-qa", hours: "80" }] }) { id } }`,
      { c: customer.createCustomer.id },
    );
    const won = await query(
      `mutation($id: ID!) { closeOpportunityWon(id: $id, input: { contractNumber: "TYR-1", currency: "EUR", amount: "48000.00",
         startDate: "2027-01-04", endDate: "2027-02-26", rates: [{ roleId: "role-qa", billRate: "120.00", effectiveFrom: "2027-01-04" }] }) { contract { id } } }`,
      { id: opportunity.createOpportunity.id },
    );
    const project = await eventually(async () => {
      const data = await query(
        `query($id: ID!) { contract(id: $id) { billingSetup { status } projects { nodes { code status budgetAmount { amount currency } customer { name } } } } }`,
        { id: won.closeOpportunityWon.contract.id },
      );
      assert.equal(data.contract.projects.nodes[0]?.status, 'ACTIVE');
      return data.contract;
    }, 30_000);
    assert.equal(project.billingSetup.status, 'READY');
    assert.deepEqual(project.projects.nodes[0], {
      code: 'P-TYR-1',
      status: 'ACTIVE',
      budgetAmount: { amount: '48000.00', currency: 'EUR' },
      customer: { name: 'Tyrell Corp' },
    });
  });

  it('masks unexpected errors in production and keeps domain errors', async () => {
    const token = await signBearerToken({ workerId: null, roles: ['ADMIN'] }, shared.JWT_SECRET);
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `mutation { createCustomer(input: { name: "X", code: "X", currency: "eur" }) { id } }` }),
    });
    const body = await response.json();
    assert.equal(body.errors[0].extensions.code, 'BAD_USER_INPUT');
    assert.equal(body.errors[0].extensions.stacktrace, undefined);
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { CORRELATION_HEADER, type Role } from '../../lib/auth/identity.ts';
import { createLogger } from '../../lib/logger.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import type { GraphQLResponse } from '../support/subgraph-harness.ts';

type LogLine = Record<string, any>;

const masked = { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };

/**
 * With errors masked (NODE_ENV=production), a client sees an unexpected failure only as "Internal server error";
 * the gateway and the subgraph log each one (lib/graphql/error-log.ts) with the correlation id the client sent, so
 * support can find it.
 */
describe('masked errors are logged at the gateway and the subgraph', () => {
  let graph: HubHarness;
  const lines: LogLine[] = [];
  const customers = 'query Customers { customers(first: 1) { nodes { id } } }';

  /** Asks with its own correlation id (as finance by default); the answer, and the gateway's error lines of it. */
  async function ask(correlationId: string, query = customers, roles: Role[] = ['FINANCE']) {
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await graph.token(roles, randomUUID())}`,
        [CORRELATION_HEADER]: correlationId,
      },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as GraphQLResponse;
    const logged = lines.filter((line) => line.message === 'unexpected error' && line.correlationId === correlationId);
    return { body, logged };
  }
  const errorLines = () => JSON.stringify(lines.filter((line) => line.level === 'error'));

  before(async () => {
    graph = await startTestHub({ logger: createLogger({}, 'info', (line) => lines.push(JSON.parse(line))) });
  });
  after(() => graph.close());

  it('a subgraph that cannot be reached: SERVICE_UNAVAILABLE for the client, logged with the correlation id and why', async () => {
    const crm = graph.hub.subgraphs.crm;
    const port = Number(new URL(crm.url).port);
    const server = crm.runtime.httpServer;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    try {
      const correlationId = randomUUID();
      const { body } = await ask(correlationId);
      // Not masked: a passing condition with a code the client can act on (retry), as README "Timeouts" says.
      assert.deepEqual(body.errors, [
        { message: 'subgraph crm cannot be reached', extensions: { code: 'SERVICE_UNAVAILABLE', subgraph: 'crm', retryable: true } },
      ]);
      const logged = lines.filter((line) => line.message === 'subgraph unavailable' && line.correlationId === correlationId);
      assert.equal(logged.length, 1, errorLines());
      const [line] = logged;
      assert.equal(line.level, 'error');
      assert.equal(line.subgraph, 'crm');
      assert.equal(line.error.message, 'fetch failed');
      assert.match(line.error.cause, /ECONNREFUSED/);
    } finally {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    }
  });

  it('a subgraph that fails: logged with the correlation id, the path and the subgraph’s name', async () => {
    const { db, schema } = graph.hub.subgraphs.crm.database;
    await sql`alter table ${sql.id(schema, 'customer')} rename to customer_away`.execute(db);
    try {
      const correlationId = randomUUID();
      const { body, logged } = await ask(correlationId);
      assert.deepEqual(body.errors, [{ ...masked, path: ['customers'] }]);
      assert.equal(logged.length, 2, errorLines());
      const line = logged.find((candidate) => candidate.subgraph === undefined)!;
      const crmLine = logged.find((candidate) => candidate.subgraph === 'crm')!;
      assert.deepEqual(
        { level: line.level, operationName: line.operationName, path: line.path, serviceName: line.serviceName },
        { level: 'error', operationName: 'Customers', path: 'customers', serviceName: 'crm' },
      );
      // crm masked it before the gateway saw it: the database's message is in crm's own line, under the same id.
      assert.equal(line.error.message, 'Internal server error');
      assert.match(crmLine.error.message, /customer/);
      assert.equal(crmLine.path, 'customers');
    } finally {
      await sql`alter table ${sql.id(schema, 'customer_away')} rename to customer`.execute(db);
    }
  });

  it('an answer with a code is not logged: a domain error is an answer, not a failure', async () => {
    const correlationId = randomUUID();
    const { body, logged } = await ask(correlationId, 'query Invoices { invoices(first: 1) { nodes { id } } }', ['WORKER']);
    assert.equal(body.errors?.[0].extensions?.code, 'FORBIDDEN', JSON.stringify(body));
    assert.deepEqual(logged, []);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { apiSchemaPath } from '../../scripts/compose.ts';
import { changeKey, checkSchemaChanges, runSchemaCheck } from '../../scripts/schema-check.ts';
import { dataOf } from '../support/subgraph-harness.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const previous = `
  type Query {
    project(id: ID!): Project
    projects(status: String, first: Int): [Project!]!
    legacyCode: String
  }
  type Project {
    id: ID!
    name: String!
  }
`;

/** `previous` with a field removed and an optional argument made required. */
const breaking = `
  type Query {
    project(id: ID!): Project
    projects(status: String!, first: Int): [Project!]!
  }
  type Project {
    id: ID!
    name: String!
  }
`;

/** `previous` with an optional field and an optional argument added. */
const additive = `
  type Query {
    project(id: ID!): Project
    projects(status: String, first: Int, after: String): [Project!]!
    legacyCode: String
  }
  type Project {
    id: ID!
    name: String!
    code: String
  }
`;

/** Writes the synthetic schemas (and acknowledgements) as files, for the command's options. */
function files(current: string, acknowledgements: unknown = []) {
  const dir = mkdtempSync(join(tmpdir(), 'schema-check-'));
  writeFileSync(join(dir, 'previous.graphql'), previous);
  writeFileSync(join(dir, 'current.graphql'), current);
  writeFileSync(join(dir, 'acknowledgements.json'), JSON.stringify(acknowledgements));
  return ['--base-file', join(dir, 'previous.graphql'), '--schema', join(dir, 'current.graphql'), '--acknowledgements', join(dir, 'acknowledgements.json')];
}

const schemaCheckCommand = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/schema-check.ts', ...args], { cwd: root, encoding: 'utf8' });

describe('schema check (npm run schema:check)', () => {
  it('finds a removed field and an argument made required as breaking, and fails on them', async () => {
    const check = await checkSchemaChanges(previous, breaking);
    assert.deepEqual(check.breaking.map(changeKey).sort(), ['Query.legacyCode', 'Query.projects.status']);
    assert.deepEqual(check.unacknowledged.map(changeKey).sort(), ['Query.legacyCode', 'Query.projects.status']);

    const { exitCode, output } = await runSchemaCheck(files(breaking));
    assert.equal(exitCode, 1, output);
    assert.match(output, /2 breaking \(0 acknowledged\)/);
    assert.match(output, /BREAKING  Query\.legacyCode: Field 'legacyCode' was removed/);
    assert.match(output, /BREAKING  Query\.projects\.status: Type for argument 'status' .* changed from 'String' to 'String!'/);
  });

  it('accepts an added optional field (safe) and an added optional argument (dangerous: listed, not failing)', async () => {
    const check = await checkSchemaChanges(previous, additive);
    assert.deepEqual(check.breaking, []);
    assert.deepEqual(check.safe.map(changeKey), ['Project.code']);
    assert.deepEqual(check.dangerous.map(changeKey), ['Query.projects.after']);

    const { exitCode, output } = await runSchemaCheck(files(additive));
    assert.equal(exitCode, 0, output);
    assert.match(output, /SAFE      Project\.code: Field 'code' was added/);
    assert.match(output, /DANGEROUS Query\.projects\.after: Argument 'after: String' added/);
  });

  it('passes breaking changes acknowledged with a reason, and names acknowledgements that match nothing', async () => {
    const acknowledgements = [
      { path: 'Query.legacyCode', reason: 'no client has asked it since March' },
      { path: 'Query.projects.status', reason: 'every client sends a status' },
      { path: 'Query.gone', reason: 'left from an earlier change' },
    ];
    const { exitCode, output } = await runSchemaCheck(files(breaking, acknowledgements));
    assert.equal(exitCode, 0, output);
    assert.match(output, /2 breaking \(2 acknowledged\)/);
    assert.match(output, /acknowledged: no client has asked it since March/);
    assert.match(output, /names Query\.gone, which is no breaking change here/);

    const partly = await runSchemaCheck(files(breaking, acknowledgements.slice(0, 1)));
    assert.equal(partly.exitCode, 1, partly.output);
  });

  it('refuses an acknowledgement without a reason', async () => {
    await assert.rejects(runSchemaCheck(files(breaking, [{ path: 'Query.legacyCode' }])), /must be a list of \{"path"/);
  });

  it('as a command: exits 1 on an unacknowledged breaking change, and 0 for the working schema against HEAD', () => {
    const failing = schemaCheckCommand(files(breaking));
    assert.equal(failing.status, 1, failing.stdout + failing.stderr);
    assert.match(failing.stdout, /Query\.legacyCode/);

    // CI's run: on a clean checkout HEAD's file is the working one, so this fails only on a working tree whose
    // schema/api.graphql breaks clients against the last commit without saying so in schema/breaking-changes.json.
    const againstHead = schemaCheckCommand([]);
    assert.equal(againstHead.status, 0, againstHead.stdout + againstHead.stderr);
  });
});

/** A schema as clients compare it: sorted, printed (descriptions, deprecations and directive definitions included). */
const comparable = (schema: GraphQLSchema) => printSchema(lexicographicSortSchema(schema));

describe('the client schema the gateway serves', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ seed: false });
  });
  after(() => graph.close());

  it('is schema/api.graphql: introspected as ADMIN, with the Subscription type and the operations fields', async () => {
    const introspection = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true, oneOf: true });
    const served = buildClientSchema(dataOf(await graph.query(introspection)));
    const published = buildSchema(readFileSync(apiSchemaPath, 'utf8'));
    assert.equal(comparable(served), comparable(published));
    assert.ok(published.getSubscriptionType()?.getFields().timeEntryStatusChanged);
    assert.ok(published.getQueryType()?.getFields().deadLetters);
    assert.equal(published.getType('_Entity'), undefined);
    assert.equal(published.getType('join__Graph'), undefined);
  });

  it('refuses @defer and @stream with the reason: Apollo Gateway answers in one response', async () => {
    for (const [directive, query] of [
      ['@defer', `{ customers(first: 1) { nodes { id ... @defer { name } } } }`],
      ['@stream', `{ customers(first: 1) { nodes @stream(initialCount: 0) { id } } }`],
    ]) {
      const response = await graph.query(query);
      assert.equal(response.data, undefined);
      assert.ok(response.errors?.every((error) => error.extensions?.code === 'GRAPHQL_VALIDATION_FAILED'), JSON.stringify(response.errors));
      const refusal = response.errors?.find((error) => error.message.startsWith(`${directive} is not supported`));
      assert.ok(refusal, JSON.stringify(response.errors));
      assert.match(refusal.message, /Apollo Gateway\) answers every operation in one response/);
    }
  });
});

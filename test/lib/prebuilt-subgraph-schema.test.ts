import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, getIntrospectionQuery, isNamedType, parse, print, printSchema, type GraphQLSchema } from 'graphql';
import { sdlHash, subgraphSchema, writePrebuiltSubgraphSchemas, type PrebuiltSubgraphSchema } from '../../lib/graphql/prebuilt-subgraph-schema.ts';
import { crmSdl } from '../../subgraphs/crm/server.ts';
import { erpSdl } from '../../subgraphs/erp/server.ts';
import { hcmSdl } from '../../subgraphs/hcm/server.ts';
import { psaSdl } from '../../subgraphs/psa/server.ts';
import { timeSdl } from '../../subgraphs/time/server.ts';

/**
 * The compiled start builds each subgraph's schema from the artefact `npm run build` wrote: it must be the schema
 * `buildSubgraphSchema` makes — the same types, directives on them, introspection, `_service { sdl }` and `_entities`.
 */
const sdlOf: Record<string, string> = { crm: crmSdl, hcm: hcmSdl, psa: psaSdl, time: timeSdl, erp: erpSdl };
const directory = mkdtempSync(join(tmpdir(), 'psgraph-prebuilt-'));
const directoryUrl = pathToFileURL(`${directory}/`);
after(() => rmSync(directory, { recursive: true, force: true }));
writePrebuiltSubgraphSchemas(Object.values(sdlOf), directoryUrl);

/** Every named type's and directive's definition as written, applied directives included (printSchema drops those). */
const definitionsOf = (schema: GraphQLSchema) =>
  [
    ...Object.values(schema.getTypeMap()).filter(isNamedType).map((type) => (type.astNode ? print(type.astNode) : `builtin ${type.name}`)),
    ...schema.getDirectives().map((directive) => (directive.astNode ? print(directive.astNode) : `builtin @${directive.name}`)),
  ].sort();

const run = async (schema: GraphQLSchema, query: string, variables?: Record<string, unknown>) =>
  JSON.parse(JSON.stringify(await execute({ schema, document: parse(query), variableValues: variables, contextValue: {} })));

describe('prebuilt subgraph schemas', () => {
  for (const [name, sdl] of Object.entries(sdlOf)) {
    it(`${name}: the same schema as buildSubgraphSchema, from the artefact`, async () => {
      const typeDefs = parse(sdl);
      const entityType = typeDefs.definitions.find(
        (definition) => definition.kind === 'ObjectTypeDefinition' && definition.directives?.some((directive) => directive.name.value === 'key'),
      ) as { name: { value: string } } | undefined;
      const withReference = entityType ? { [entityType.name.value]: { __resolveReference: (reference: { id: string }) => ({ ...reference, resolved: true }) } } : {};
      const built = buildSubgraphSchema({ typeDefs, resolvers: withReference });
      const prebuilt = subgraphSchema({ sdl, resolvers: withReference }, directoryUrl);

      assert.equal(printSchema(prebuilt), printSchema(built));
      assert.deepEqual(definitionsOf(prebuilt), definitionsOf(built));
      assert.deepEqual(await run(prebuilt, getIntrospectionQuery({ descriptions: true, directiveIsRepeatable: true })), await run(built, getIntrospectionQuery({ descriptions: true, directiveIsRepeatable: true })));
      assert.deepEqual(await run(prebuilt, '{ _service { sdl } }'), await run(built, '{ _service { sdl } }'));
      if (entityType) {
        const query = `query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`;
        const variables = { r: [{ __typename: entityType.name.value, id: 'x1' }] };
        const answer = await run(prebuilt, query, variables);
        assert.deepEqual(answer, await run(built, query, variables));
        assert.deepEqual(answer.data._entities, [{ __typename: entityType.name.value }]);
      }
    });
  }

  it("takes the artefact named by the SDL's hash as it is, without building", () => {
    const sdl = crmSdl;
    const artefact = new URL(`${sdlHash(sdl)}.json`, directoryUrl);
    const written = JSON.parse(readFileSync(artefact, 'utf8')) as PrebuiltSubgraphSchema;
    const marked = { ...written, executableSdl: `${written.executableSdl}\nextend type Query { fromArtefact: Boolean }\n` };
    const otherDirectory = pathToFileURL(`${mkdtempSync(join(directory, 'marked-'))}/`);
    writeFileSync(new URL(`${sdlHash(sdl)}.json`, otherDirectory), JSON.stringify(marked));
    assert.ok(subgraphSchema({ sdl: crmSdl, resolvers: {} }, otherDirectory).getQueryType()!.getFields().fromArtefact);
  });

  it('builds the schema itself when the SDL changed since the artefact was written', () => {
    const changed = `${crmSdl}\nextend type Query { builtHere: Boolean }\n`;
    const schema = subgraphSchema({ sdl: changed, resolvers: {} }, directoryUrl);
    assert.ok(schema.getQueryType()!.getFields().builtHere);
  });
});

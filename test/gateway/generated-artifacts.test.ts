import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { apiSchemaPath, clientSchemaSdl, composeSupergraph, supergraphPath } from '../../scripts/compose.ts';
import { generateResolverTypes } from '../../scripts/codegen.ts';

describe('checked-in generated files', () => {
  it('schema/supergraph.graphql is the composition of schema/<name>.graphql (run `npm run compose`)', () => {
    assert.equal(readFileSync(supergraphPath, 'utf8'), composeSupergraph());
  });

  it('schema/api.graphql is the client schema of that supergraph (run `npm run compose`)', () => {
    assert.equal(readFileSync(apiSchemaPath, 'utf8'), clientSchemaSdl(composeSupergraph()));
  });

  it('resolvers/<name>/types.generated.ts match their schemas (run `npm run codegen`)', async () => {
    const generated = await generateResolverTypes();
    assert.ok(generated.size >= 1);
    for (const [file, content] of generated) {
      assert.equal(readFileSync(file, 'utf8'), content, `${file} is stale`);
    }
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { composeSupergraph, supergraphPath } from '../../scripts/compose.ts';
import { generateResolverTypes } from '../../scripts/codegen.ts';

describe('checked-in generated files', () => {
  it('schema/supergraph.graphql is the composition of schema/<name>.graphql (run `npm run compose`)', () => {
    assert.equal(readFileSync(supergraphPath, 'utf8'), composeSupergraph());
  });

  it('resolvers/<name>/types.generated.ts match their schemas (run `npm run codegen`)', async () => {
    const generated = await generateResolverTypes();
    assert.ok(generated.size >= 1);
    for (const [file, content] of generated) {
      assert.equal(readFileSync(file, 'utf8'), content, `${file} is stale`);
    }
  });
});

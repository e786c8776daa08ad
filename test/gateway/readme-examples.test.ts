import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/** The README's example queries are what a new user pastes first: they must run, without errors, on the demo firm. */
describe('README examples', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)]
    .flatMap((match) => match[1].split(/\n(?=# )/))
    .map((block) => block.replace(/^#.*\n/gm, '').trim())
    .filter(Boolean);
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('has examples', () => assert.ok(examples.length >= 3));

  for (const [index, example] of examples.entries()) {
    it(`example ${index + 1} runs without errors`, async () => {
      const firm = (await import('../../lib/seed/demo-users.ts')).demoWorkerFor('WORKER');
      const result = await graph.query(example, {}, { roles: ['ADMIN'], workerId: firm?.id ?? null });
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      assert.ok(result.data);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphClient } from '../../../lib/graph-client.ts';
import { createGraphWorkContext } from '../../../subgraphs/time/graph-work-context.ts';

/**
 * time's reads of other subgraphs for a batch (capture, import) are ONE request to the graph whatever the batch's
 * size: more than a page of projects, workers or references is asked as several aliased lists of the same request.
 */
describe('graph work context', () => {
  /** A graph answering every aliased list with a node per id (or per reference) it was asked about. */
  function fakeGraph() {
    const requests: Array<{ query: string; variables: Record<string, unknown> }> = [];
    const graph: GraphClient = {
      async query<T>(query: string, variables: Record<string, unknown>) {
        requests.push({ query, variables });
        const data: Record<string, { nodes: unknown[] }> = {};
        for (const [name, value] of Object.entries(variables)) {
          const nodes = (value as Array<string | { system: string; id: string }>).map((item) =>
            typeof item === 'string'
              ? name.startsWith('projects')
                ? { id: item, code: `P-${item}`, status: 'ACTIVE', currency: 'EUR', legalEntity: { id: 'le' }, contract: null, tasks: { nodes: [] }, assignments: { nodes: [] } }
                : { id: item, name: `W ${item}`, status: 'ACTIVE', hireDate: '2020-01-01', terminationDate: null, legalEntity: { id: 'le' }, role: { id: 'r' }, manager: null }
              : { id: `${name.replace(/\d+$/, '')}:${item.id}`, externalRefs: [item] },
          );
          data[name] = { nodes };
        }
        return data as T;
      },
    };
    return { graph, requests };
  }

  it('loads more than a page of projects and workers in one request, a page per aliased list', async () => {
    const { graph, requests } = fakeGraph();
    const projectIds = Array.from({ length: 501 }, (_, i) => `p${i}`);
    const workerIds = ['w1', 'w2', 'w1'];
    const context = await createGraphWorkContext(graph).load({ projectIds, workerIds });
    assert.equal(requests.length, 1);
    assert.deepEqual(Object.keys(requests[0].variables).sort(), ['projects0', 'projects1', 'workers0']);
    assert.equal((requests[0].variables.projects1 as string[]).length, 1);
    assert.equal(context.projects.size, 501);
    assert.equal(context.projects.get('p500')?.code, 'P-p500');
    assert.deepEqual([...context.workers.keys()], ['w1', 'w2']);
    assert.doesNotMatch(requests[0].query, /externalRefs/, "tasks' references only when asked");
    await createGraphWorkContext(graph).load({ projectIds: ['p1'], workerIds: [], taskRefs: true });
    assert.match(requests[1].query, /tasks\(first: 500\) \{ nodes \{ id name status billable externalRefs \{ system id \} \} \}/);
  });

  it("resolves workers' and projects' references in one request, whatever their number", async () => {
    const { graph, requests } = fakeGraph();
    const workers = Array.from({ length: 700 }, (_, i) => ({ system: 'harvest', id: `u${i}` }));
    const projects = [{ system: 'harvest', id: 'p1' }, { system: 'harvest', id: 'p1' }];
    const found = await createGraphWorkContext(graph).recordIdsByRefs!({ workers, projects });
    assert.equal(requests.length, 1);
    assert.deepEqual(Object.keys(requests[0].variables).sort(), ['projects0', 'workers0', 'workers1']);
    assert.equal((requests[0].variables.projects0 as unknown[]).length, 1, 'a reference is asked once');
    assert.equal(found.workers.size, 700);
    assert.equal(found.workers.get('harvest|u699'), 'workers:u699');
    assert.equal(found.projects.get('harvest|p1'), 'projects:p1');
    assert.deepEqual(await createGraphWorkContext(graph).recordIdsByRefs!({ workers: [], projects: [] }), { workers: new Map(), projects: new Map() });
    assert.equal(requests.length, 1, 'no references, no request');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * With OUTBOUND_ALLOW_PRIVATE_NETWORKS=false (production's default), an ADMIN cannot point psgraph's servers at an
 * internal address: neither a webhook endpoint (hcm) nor an import file's URL (gateway) is accepted.
 */
describe('URLs an ADMIN gives may not name private or local addresses when the policy says so', () => {
  let graph: HubHarness;
  const admin = { roles: ['ADMIN' as const] };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 }, config: loadConfig({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false', RATE_LIMIT_POINTS_PER_MINUTE: '0' }) });
  });
  after(() => graph?.close());

  const errorOf = async (query: string, variables: Record<string, unknown>) => {
    const result = await graph.query(query, variables, admin);
    const error = result.errors?.[0];
    return error ? { code: error.extensions?.code, field: error.extensions?.field, message: error.message } : null;
  };

  it('registerWebhookEndpoint and updateWebhookEndpoint refuse loopback, private and metadata addresses', async () => {
    const register = `mutation($url: String!) { registerWebhookEndpoint(input: { url: $url, eventTypes: ["time.entry.approved"] }) { endpoint { id } } }`;
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://10.0.0.8/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/hook']) {
      const error = await errorOf(register, { url });
      assert.equal(error?.code, 'BAD_USER_INPUT', url);
      assert.equal(error?.field, 'url', url);
      assert.match(error!.message, /private or local address/, url);
    }
    const listed = await graph.query(`{ webhookEndpoints(first: 10) { totalCount } }`, {}, admin);
    assert.equal(listed.data?.webhookEndpoints.totalCount, 0, 'nothing was registered');
  });

  it('importData refuses a URL on a private address before fetching it', async () => {
    const error = await errorOf(`mutation($url: String!) { importData(source: HARVEST, url: $url, dryRun: true) { totals { rows } } }`, {
      url: 'https://127.0.0.1:9/harvest.csv',
    });
    assert.equal(error?.code, 'BAD_USER_INPUT');
    assert.match(error!.message, /private or local address \(127\.0\.0\.1\)/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNonPublicAddress, outboundPolicyFrom, outboundRefusal } from '../../lib/http/outbound.ts';

describe('outbound destinations (lib/http/outbound.ts)', () => {
  it('tells public addresses from loopback, private, link-local and mapped ones', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      assert.equal(isNonPublicAddress(address), true, address);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(isNonPublicAddress(address), false, address);
    }
  });

  it('refuses literal and resolved local hosts unless allowed; production refuses by default', async () => {
    const strict = outboundPolicyFrom({ NODE_ENV: 'production' });
    assert.equal(strict.allowPrivateNetworks, false);
    assert.equal(outboundPolicyFrom({}).allowPrivateNetworks, true);
    assert.equal(outboundPolicyFrom({ NODE_ENV: 'production', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' }).allowPrivateNetworks, true);
    assert.throws(() => outboundPolicyFrom({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'yes' }), /true or false/);
    assert.match(String(await outboundRefusal(new URL('http://127.0.0.1:9/hook'), strict)), /private or local address \(127\.0\.0\.1\)/);
    assert.match(String(await outboundRefusal(new URL('http://[::1]:9/hook'), strict)), /private or local/);
    assert.match(String(await outboundRefusal(new URL('http://localhost:9/hook'), strict)), /localhost is a private or local address/);
    assert.match(String(await outboundRefusal(new URL('https://metadata.invalid/'), strict)), /cannot be resolved/);
    assert.equal(await outboundRefusal(new URL('http://93.184.215.14/hook'), strict), null);
    assert.equal(await outboundRefusal(new URL('http://127.0.0.1:9/hook'), { allowPrivateNetworks: true }), null);
  });
});

import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where psgraph may send a request because an administrator typed a URL (a webhook endpoint, an import file). An ADMIN
 * token is not a licence to make the servers call the cloud's metadata service, the database or an internal admin page
 * (server-side request forgery): unless OUTBOUND_ALLOW_PRIVATE_NETWORKS says otherwise, a destination whose host is or
 * resolves to a loopback, private, link-local or otherwise non-public address is refused. Development allows them by
 * default (receivers on 127.0.0.1); production does not.
 */
export interface OutboundPolicy {
  readonly allowPrivateNetworks: boolean;
}

export function outboundPolicyFrom(env: NodeJS.ProcessEnv): OutboundPolicy {
  const raw = env.OUTBOUND_ALLOW_PRIVATE_NETWORKS;
  if (raw != null && raw !== '' && raw !== 'true' && raw !== 'false') {
    throw new Error(`OUTBOUND_ALLOW_PRIVATE_NETWORKS must be true or false, got "${raw}"`);
  }
  return Object.freeze({ allowPrivateNetworks: raw ? raw === 'true' : env.NODE_ENV !== 'production' });
}

const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) nonPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4, v6, or v4 mapped into v6) is outside the public internet. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isNonPublicAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return true;
  return nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Why `url` may not be called under `policy`, or null when it may: its host is resolved (every address it has), so a
 * public name pointing inside is refused as well as a literal private address. Checked again before each request, not
 * only when the URL is saved: a name's addresses can change.
 */
export async function outboundRefusal(url: URL, policy: OutboundPolicy): Promise<string | null> {
  if (policy.allowPrivateNetworks) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch (error) {
    return `${host} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  const inside = addresses.find(isNonPublicAddress);
  return inside ? `${host} is a private or local address (${inside}); OUTBOUND_ALLOW_PRIVATE_NETWORKS=true allows it` : null;
}

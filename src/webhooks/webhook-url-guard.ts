import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface WebhookTarget {
  url: URL;
  /** The address the request goes to: checked here and pinned for the request (no second lookup). */
  address: string;
  family: 4 | 6;
}

export interface UrlGuardOptions {
  allowPrivate: boolean;
  production: boolean;
}

/** A URL the gateway will not call; the message says why. */
export class RefusedWebhookUrl extends Error {}

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE: unspecified, loopback,
 * link-local (cloud metadata services), private, shared (carrier-grade NAT), unique-local,
 * multicast, reserved and documentation ranges, and the IPv6 forms that tunnel to an IPv4 address
 * (IPv4-compatible, 6to4, Teredo). An IPv4-mapped IPv6 address is judged by the IPv4 address it carries. (One list per family: a BlockList matches IPv4 addresses against IPv6
 * rules through their mapped form, so a ::ffff:0:0/96 rule would block every IPv4 address.)
 */
const V4 = new BlockList();
const V6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as Array<[string, number]>)
  V4.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  // Unspecified, loopback and the deprecated IPv4-compatible form (::a.b.c.d).
  ['::', 96],
  // 6to4 (deprecated, RFC 7526) and Teredo carry an IPv4 address a relay would reach: 2002:7f00:1:: is 127.0.0.1.
  ['2002::', 16],
  ['2001::', 32],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as Array<[string, number]>)
  V6.addSubnet(net, prefix, 'ipv6');

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return V4.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = mappedIpv4(address);
  if (mapped) return V4.check(mapped, 'ipv4');
  return V6.check(address, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d, in any spelling), else null. */
function mappedIpv4(address: string): string | null {
  // The URL parser writes an IPv6 address in its one canonical form: ::ffff:7f00:1 for ::ffff:127.0.0.1.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return null;
  const hi = parseInt(m[1], 16);
  const lo = parseInt(m[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Checks a URL's form (scheme, no credentials) without resolving it. */
export function checkWebhookUrlForm(raw: string, options: UrlGuardOptions): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedWebhookUrl('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RefusedWebhookUrl('url must use https: (or http:)');
  if (url.protocol === 'http:' && options.production && !options.allowPrivate) throw new RefusedWebhookUrl('url must use https: in production');
  if (url.username || url.password) throw new RefusedWebhookUrl('url must not hold credentials');
  if (url.hash) throw new RefusedWebhookUrl('url must not hold a fragment');
  return url;
}

/**
 * Resolves the URL's host and checks every address it resolves to: one blocked address refuses
 * the URL (a host may answer differently on the next lookup). Called at registration and again
 * before each delivery attempt, whose request then goes to the address checked here.
 */
export async function resolveWebhookUrl(raw: string, options: UrlGuardOptions): Promise<WebhookTarget> {
  const url = checkWebhookUrlForm(raw, options);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (e) {
      throw new RefusedWebhookUrl(`url host '${host}' does not resolve (${(e as NodeJS.ErrnoException).code ?? 'lookup failed'})`);
    }
    if (addresses.length === 0) throw new RefusedWebhookUrl(`url host '${host}' does not resolve`);
  }
  if (!options.allowPrivate) {
    const blocked = addresses.find((a) => isBlockedAddress(a.address));
    if (blocked) {
      throw new RefusedWebhookUrl(`url host '${host}' resolves to ${blocked.address}, a loopback, link-local, private or otherwise non-public address`);
    }
  }
  const first = addresses[0];
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * The client address a request came from, for limits per address. The connection's own address is the truth; an
 * X-Forwarded-For header is believed only for as many hops as the operator says proxies of theirs add
 * (TRUSTED_PROXY_HOPS), since anyone can send one.
 *
 * Next hands route handlers and the proxy no socket, and it keeps a client's own X-Forwarded-For instead of the
 * socket's address; so the server stamps each connection's address into {@link PEER_ADDRESS_HEADER} as the request
 * arrives (framework/server/limits/peer-address-stamp.ts, from instrumentation.ts), overwriting any value a client sent.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Set by the server on every request to the connection's remote address; never taken from the client. */
export const PEER_ADDRESS_HEADER = 'x-starter-peer-address';

/** What requests whose peer address is unknown (not stamped, e.g. called in-process) are counted under. */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The client's address as a limit key: the peer, or with `trustedProxyHops` = n the address the n-th proxy (counted
 * from ours) saw. IPv6 addresses are cut to their /64 network, which one subscriber typically holds whole.
 */
export function clientAddress(headers: Headers, trustedProxyHops: number): string {
  const peer = headers.get(PEER_ADDRESS_HEADER);
  if (!peer) return UNKNOWN_ADDRESS;
  const forwarded = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  // With more hops configured than the chain has, the first address is the best there is.
  const address = chain[Math.max(chain.length - 1 - trustedProxyHops, 0)] ?? peer;
  return addressKey(address);
}

/** An address as a key: IPv4 as is (also when IPv4-mapped), IPv6 as its /64 network, anything else as sent. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (isIPv4(address)) return address;
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(bare)) return address.slice(0, 100);
  return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, each without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const part = (text: string) => (text ? text.split(':') : []);
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const groups = [...left, ...Array<string>(Math.max(8 - left.length - right.length, 0)).fill('0'), ...right];
  return groups.map((group) => (group.includes('.') ? group : Number.parseInt(group, 16).toString(16)));
}

import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { MediaSourceError } from "./errors.ts";

/** Loopback, private, link-local (cloud metadata), CGNAT, unique-local and unspecified ranges. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  PRIVATE.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  PRIVATE.addSubnet(net, prefix, "ipv6");

/** An address a reply must not make the gateway fetch (DESIGN §5: no private ranges). Pure. */
export function isPrivateAddress(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return PRIVATE.check(mapped, "ipv4");
  const family = isIP(ip);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return PRIVATE.check(ip, family === 4 ? "ipv4" : "ipv6");
}

export type Lookup = (host: string) => Promise<{ address: string }[]>;

const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Refuses a URL whose host is, or resolves to, a private address: a `MEDIA:` URL comes from
 * model output, which a prompt injection can steer toward the gateway's own network.
 * Throws `MediaSourceError`.
 */
export async function assertPublicUrl(url: URL, lookup: Lookup = systemLookup): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await lookup(host)).map((a) => a.address);
  if (addresses.length === 0 || addresses.some(isPrivateAddress))
    throw new MediaSourceError(`${url.origin}: addresses on private networks are not fetched`);
}

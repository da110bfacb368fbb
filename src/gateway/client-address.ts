import { BlockList, isIP } from "node:net";

/**
 * Who a request comes from, once reverse proxies are accounted for (reference-gateway §3
 * `gateway.trustedProxies`, `gateway.allowRealIpFallback`; §7 pitfalls).
 */
export interface ClientAddress {
  /** The client's IP: the TCP peer, or the forwarded one when the peer is a trusted proxy. */
  address: string;
  /** The request carried forwarding headers (from a trusted proxy or not). */
  proxied: boolean;
  /**
   * The machine itself: a loopback TCP peer and no forwarding headers. A request a proxy on this
   * machine forwards is never local, whatever address it names, or every remote client of a
   * loopback reverse proxy would be treated as the user at the keyboard.
   */
  isLocal: boolean;
}

export interface ProxyPolicy {
  /** IPs and CIDRs (`10.0.0.0/8`, `::1`) whose forwarding headers are believed. */
  trustedProxies?: readonly string[] | undefined;
  /** Believe `X-Real-IP` from a trusted proxy when it sent neither `X-Forwarded-For` nor `Forwarded`. */
  allowRealIpFallback?: boolean | undefined;
}

type Headers = Record<string, string | string[] | undefined>;

const FORWARD_HEADERS = ["x-forwarded-for", "forwarded", "x-real-ip"] as const;

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) is the IPv4 address it wraps. */
export function normalizeIp(raw: string): string {
  const ip = raw.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  return mapped ? mapped[1]! : ip;
}

export function isLoopbackIp(raw: string): boolean {
  const ip = normalizeIp(raw);
  return ip === "::1" || (isIP(ip) === 4 && ip.startsWith("127."));
}

/**
 * Builds the matcher for `gateway.trustedProxies`. Entries that are neither an IP nor a CIDR are
 * returned in `invalid` (the caller warns once) and match nothing.
 */
export function compileTrustedProxies(entries: readonly string[] = []): {
  matches(ip: string): boolean;
  invalid: string[];
} {
  const list = new BlockList();
  const invalid: string[] = [];
  for (const entry of entries) {
    const [rawIp, rawBits, extra] = entry.trim().split("/");
    const ip = normalizeIp(rawIp ?? "");
    const family = isIP(ip);
    const bits = rawBits === undefined ? undefined : Number(rawBits);
    const maxBits = family === 6 ? 128 : 32;
    if (
      !family ||
      extra !== undefined ||
      (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= maxBits))
    ) {
      invalid.push(entry);
      continue;
    }
    const type = family === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, bits, type);
  }
  return {
    invalid,
    matches(raw) {
      const ip = normalizeIp(raw);
      const family = isIP(ip);
      return family !== 0 && list.check(ip, family === 6 ? "ipv6" : "ipv4");
    },
  };
}

function headerValues(headers: Headers, name: string): string[] {
  const v = headers[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** One hop as a proxy writes it: a bare IP, `[v6]:port`, `v4:port`, or quoted (`Forwarded`). */
function parseHop(raw: string): string | undefined {
  let hop = raw.trim().replace(/^"(.*)"$/, "$1");
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) hop = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(hop)) hop = hop.slice(0, hop.lastIndexOf(":"));
  const ip = normalizeIp(hop);
  return isIP(ip) ? ip : undefined;
}

function xffHops(headers: Headers): string[] {
  return headerValues(headers, "x-forwarded-for").flatMap((v) => v.split(","));
}

/** The `for=` of every element of RFC 7239 `Forwarded`, in order. */
function forwardedHops(headers: Headers): string[] {
  const hops: string[] = [];
  for (const value of headerValues(headers, "forwarded")) {
    for (const element of value.split(",")) {
      for (const pair of element.split(";")) {
        const eq = pair.indexOf("=");
        if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === "for") hops.push(pair.slice(eq + 1));
      }
    }
  }
  return hops;
}

/**
 * The client in a hop list: walk from the nearest hop (right) outwards, skipping our own trusted
 * proxies; the first hop we don't run is the client. Hops left of it were written by the client
 * itself and prove nothing. `undefined` when a hop is not an IP (a proxy we cannot reason about).
 */
function clientFromHops(rawHops: string[], trusted: (ip: string) => boolean): string | undefined {
  let leftmost: string | undefined;
  for (let i = rawHops.length - 1; i >= 0; i--) {
    const hop = parseHop(rawHops[i]!);
    if (!hop) return undefined;
    if (!trusted(hop)) return hop;
    leftmost = hop;
  }
  return leftmost; // every hop is one of ours: the first of them is as far as we can see
}

/**
 * Resolves the client address of a request from its TCP peer and headers. Forwarding headers are
 * believed only from a trusted proxy; from anyone else they are ignored for the address but still
 * make the request non-local. Pure: the caller compiles `trusted` once per config.
 */
export function resolveClientAddress(input: {
  remoteAddress: string | undefined;
  headers: Headers;
  trusted: (ip: string) => boolean;
  allowRealIpFallback?: boolean | undefined;
}): ClientAddress {
  const peer = normalizeIp(input.remoteAddress ?? "");
  const proxied = FORWARD_HEADERS.some((h) => input.headers[h] !== undefined);
  if (!proxied) return { address: peer, proxied: false, isLocal: isLoopbackIp(peer) };
  let address = peer;
  if (input.trusted(peer)) {
    const xff = xffHops(input.headers);
    const fwd = forwardedHops(input.headers);
    const realIp = headerValues(input.headers, "x-real-ip");
    let client: string | undefined;
    if (xff.length > 0) client = clientFromHops(xff, input.trusted);
    else if (fwd.length > 0) client = clientFromHops(fwd, input.trusted);
    else if (input.allowRealIpFallback && realIp.length === 1) client = parseHop(realIp[0]!);
    if (client) address = client;
  }
  return { address, proxied: true, isLocal: false };
}

/**
 * Resolves client addresses under the current `gateway.trustedProxies` (read on every call, so a
 * hot-reloaded list applies to the next connection). Invalid entries are reported once per list.
 */
export function createClientAddressResolver(
  policy: () => ProxyPolicy,
  onInvalid: (entries: string[]) => void,
): (remoteAddress: string | undefined, headers: Headers) => ClientAddress {
  let compiledFor: string | undefined;
  let compiled = compileTrustedProxies([]);
  return (remoteAddress, headers) => {
    const p = policy();
    const key = JSON.stringify(p.trustedProxies ?? []);
    if (key !== compiledFor) {
      compiled = compileTrustedProxies(p.trustedProxies ?? []);
      compiledFor = key;
      if (compiled.invalid.length > 0) onInvalid(compiled.invalid);
    }
    return resolveClientAddress({
      remoteAddress,
      headers,
      trusted: compiled.matches,
      allowRealIpFallback: p.allowRealIpFallback,
    });
  };
}

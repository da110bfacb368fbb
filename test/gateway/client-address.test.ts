import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type ClientAddress,
  compileTrustedProxies,
  isLoopbackIp,
  resolveClientAddress,
} from "../../src/gateway/client-address.ts";

interface Row {
  name: string;
  peer: string;
  headers?: Record<string, string | string[]>;
  trusted?: string[];
  realIp?: boolean;
  want: ClientAddress;
}

const LAN_PROXY = ["10.0.0.5"];

const rows: Row[] = [
  {
    name: "a direct loopback peer is local",
    peer: "127.0.0.1",
    want: { address: "127.0.0.1", proxied: false, isLocal: true },
  },
  {
    name: "an IPv4-mapped loopback peer is local and shown as IPv4",
    peer: "::ffff:127.0.0.1",
    want: { address: "127.0.0.1", proxied: false, isLocal: true },
  },
  { name: "::1 is local", peer: "::1", want: { address: "::1", proxied: false, isLocal: true } },
  {
    name: "a LAN peer is not local",
    peer: "192.168.1.20",
    want: { address: "192.168.1.20", proxied: false, isLocal: false },
  },
  {
    name: "forwarding headers from an untrusted peer are ignored, but the request is not local",
    peer: "127.0.0.1",
    headers: { "x-forwarded-for": "203.0.113.9" },
    want: { address: "127.0.0.1", proxied: true, isLocal: false },
  },
  {
    name: "an untrusted LAN peer cannot claim to be loopback",
    peer: "192.168.1.20",
    headers: { "x-forwarded-for": "127.0.0.1" },
    trusted: LAN_PROXY,
    want: { address: "192.168.1.20", proxied: true, isLocal: false },
  },
  {
    name: "a trusted proxy's X-Forwarded-For names the client",
    peer: "10.0.0.5",
    headers: { "x-forwarded-for": "203.0.113.9" },
    trusted: LAN_PROXY,
    want: { address: "203.0.113.9", proxied: true, isLocal: false },
  },
  {
    name: "a loopback proxy's client is never local, even when it names loopback",
    peer: "127.0.0.1",
    headers: { "x-forwarded-for": "127.0.0.1" },
    trusted: ["127.0.0.1"],
    want: { address: "127.0.0.1", proxied: true, isLocal: false },
  },
  {
    name: "hops the client wrote itself (left of the first untrusted hop) are ignored",
    peer: "10.0.0.5",
    headers: { "x-forwarded-for": "127.0.0.1, 198.51.100.7, 10.0.0.9" },
    trusted: ["10.0.0.0/8"],
    want: { address: "198.51.100.7", proxied: true, isLocal: false },
  },
  {
    name: "several X-Forwarded-For headers are one list",
    peer: "10.0.0.5",
    headers: { "x-forwarded-for": ["1.1.1.1", "198.51.100.7"] },
    trusted: LAN_PROXY,
    want: { address: "198.51.100.7", proxied: true, isLocal: false },
  },
  {
    name: "when every hop is trusted, the first one is the client",
    peer: "10.0.0.5",
    headers: { "x-forwarded-for": "10.0.0.8, 10.0.0.9" },
    trusted: ["10.0.0.0/24"],
    want: { address: "10.0.0.8", proxied: true, isLocal: false },
  },
  {
    name: "a garbage hop stops the walk at the proxy",
    peer: "10.0.0.5",
    headers: { "x-forwarded-for": "evil, 10.0.0.9" },
    trusted: ["10.0.0.0/24"],
    want: { address: "10.0.0.5", proxied: true, isLocal: false },
  },
  {
    name: "hops with ports and brackets",
    peer: "10.0.0.5",
    headers: { "x-forwarded-for": "[2001:db8::1]:4711" },
    trusted: LAN_PROXY,
    want: { address: "2001:db8::1", proxied: true, isLocal: false },
  },
  {
    name: "RFC 7239 Forwarded when X-Forwarded-For is absent",
    peer: "10.0.0.5",
    headers: { forwarded: 'for=198.51.100.7;proto=https, for="[2001:db8::2]:80";by=10.0.0.5' },
    trusted: LAN_PROXY,
    want: { address: "2001:db8::2", proxied: true, isLocal: false },
  },
  {
    name: "X-Real-IP is ignored without allowRealIpFallback",
    peer: "10.0.0.5",
    headers: { "x-real-ip": "198.51.100.7" },
    trusted: LAN_PROXY,
    want: { address: "10.0.0.5", proxied: true, isLocal: false },
  },
  {
    name: "X-Real-IP with allowRealIpFallback",
    peer: "10.0.0.5",
    headers: { "x-real-ip": "198.51.100.7" },
    trusted: LAN_PROXY,
    realIp: true,
    want: { address: "198.51.100.7", proxied: true, isLocal: false },
  },
  {
    name: "IPv6 CIDRs match",
    peer: "fd00::17",
    headers: { "x-forwarded-for": "198.51.100.7" },
    trusted: ["fd00::/8"],
    want: { address: "198.51.100.7", proxied: true, isLocal: false },
  },
  {
    name: "a trusted IPv4 proxy seen through a dual-stack socket",
    peer: "::ffff:10.0.0.5",
    headers: { "x-forwarded-for": "198.51.100.7" },
    trusted: LAN_PROXY,
    want: { address: "198.51.100.7", proxied: true, isLocal: false },
  },
];

describe("resolveClientAddress", () => {
  for (const row of rows) {
    test(row.name, () => {
      const trusted = compileTrustedProxies(row.trusted ?? []);
      assert.deepEqual(
        resolveClientAddress({
          remoteAddress: row.peer,
          headers: row.headers ?? {},
          trusted: trusted.matches,
          allowRealIpFallback: row.realIp,
        }),
        row.want,
      );
    });
  }
});

test("invalid trustedProxies entries are reported and match nothing", () => {
  const t = compileTrustedProxies(["10.0.0.0/33", "proxy.lan", "10.1.0.0/16", "1.2.3.4/8/1"]);
  assert.deepEqual(t.invalid, ["10.0.0.0/33", "proxy.lan", "1.2.3.4/8/1"]);
  assert.equal(t.matches("10.1.2.3"), true);
  assert.equal(t.matches("10.2.0.1"), false);
  assert.equal(t.matches("not an ip"), false);
});

test("loopback addresses", () => {
  for (const ip of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
    assert.equal(isLoopbackIp(ip), true, ip);
  for (const ip of ["10.0.0.1", "::2", "", "127.example"]) assert.equal(isLoopbackIp(ip), false, ip);
});

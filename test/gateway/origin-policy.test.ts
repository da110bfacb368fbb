import assert from "node:assert/strict";
import { test } from "node:test";
import { checkOrigin, type OriginPolicyInput } from "../../src/gateway/origin-policy.ts";

const local = { isLocalClient: true };
const remote = { isLocalClient: false };

const rows: [string, OriginPolicyInput, boolean][] = [
  [
    "the gateway's own loopback page",
    { origin: "http://127.0.0.1:18789", host: "127.0.0.1:18789", ...local },
    true,
  ],
  [
    "localhost page of a local dev server",
    { origin: "http://localhost:5173", host: "127.0.0.1:18789", ...local },
    true,
  ],
  [
    "a loopback origin through a proxy is not the local machine",
    { origin: "http://localhost:5173", host: "gw.example:443", ...remote },
    false,
  ],
  [
    "a stranger's page on loopback",
    { origin: "https://evil.example", host: "127.0.0.1:18789", ...local },
    false,
  ],
  [
    "DNS rebinding: origin host equals Host, but it is a DNS name",
    { origin: "http://evil.example:18789", host: "evil.example:18789", ...local },
    false,
  ],
  [
    "DNS names need the explicit host-header fallback",
    {
      origin: "https://gw.example",
      host: "gw.example",
      allowHostHeaderFallback: true,
      ...remote,
    },
    true,
  ],
  [
    "a LAN IP page served by the gateway itself",
    { origin: "http://192.168.1.5:18789", host: "192.168.1.5:18789", ...remote },
    true,
  ],
  [
    "the same IP on another port is another origin",
    { origin: "http://192.168.1.5:8080", host: "192.168.1.5:18789", ...remote },
    false,
  ],
  [
    "allowedOrigins, compared case-insensitively and without a trailing slash",
    {
      origin: "https://Control.Example",
      host: "10.0.0.1:18789",
      allowedOrigins: ["https://control.example/"],
      ...remote,
    },
    true,
  ],
  [
    "allowedOrigins '*'",
    { origin: "https://any.example", host: "x", allowedOrigins: ["*"], ...remote },
    true,
  ],
  ["Origin: null", { origin: "null", host: "127.0.0.1:18789", ...local }, false],
  ["garbage", { origin: "::::", host: "127.0.0.1:18789", ...local }, false],
  ["a non-web scheme", { origin: "file://", host: "127.0.0.1:18789", ...local }, false],
  ["IPv6 loopback page", { origin: "http://[::1]:18789", host: "[::1]:18789", ...local }, true],
];

for (const [name, input, ok] of rows) {
  test(`origin policy: ${name}`, () => {
    const d = checkOrigin(input);
    assert.equal(d.ok, ok);
    if (!d.ok) assert.equal(d.origin, input.origin);
  });
}

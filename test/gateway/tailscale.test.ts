import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import { tailnetAddress } from "../../src/gateway/runtime-config.ts";
import { serveClaim, TailscaleVerifier } from "../../src/gateway/tailscale-identity.ts";

const nic = (address: string, family = "IPv4", internal = false) =>
  ({ address, family, internal, netmask: "", mac: "", cidr: null }) as never;

test("tailnetAddress picks the 100.64/10 address, nothing else", () => {
  assert.equal(
    tailnetAddress({
      lo: [nic("127.0.0.1", "IPv4", true)],
      eth0: [nic("192.168.1.5")],
      tailscale0: [nic("100.88.1.2")],
    }),
    "100.88.1.2",
  );
  assert.equal(
    tailnetAddress({ eth0: [nic("100.128.0.1"), nic("100.63.255.255")] }),
    undefined,
    "outside the CGNAT range",
  );
  assert.equal(tailnetAddress({}), undefined);
});

function request(remoteAddress: string, headers: Record<string, string>): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

test("serveClaim: only loopback requests carrying Serve's headers", () => {
  const headers = { "tailscale-user-login": "alice@example.com", "x-forwarded-for": "100.64.1.2, 10.0.0.1" };
  assert.deepEqual(serveClaim(request("127.0.0.1", headers)), {
    login: "alice@example.com",
    clientIp: "100.64.1.2",
  });
  assert.deepEqual(serveClaim(request("::ffff:127.0.0.1", headers))?.clientIp, "100.64.1.2");
  assert.equal(serveClaim(request("192.168.1.9", headers)), undefined, "not from this machine: not Serve");
  assert.equal(serveClaim(request("127.0.0.1", { "tailscale-user-login": "alice@example.com" })), undefined);
  assert.equal(
    serveClaim(request("127.0.0.1", { "tailscale-user-login": "a", "x-forwarded-for": "not-an-ip" })),
    undefined,
  );
});

test("TailscaleVerifier: whois must name the claimed user; answers are cached a minute; failures verify nothing", async () => {
  const asked: string[] = [];
  const verifier = new TailscaleVerifier(async (ip) => {
    asked.push(ip);
    if (ip === "100.64.0.9") throw new Error("daemon down");
    return ip === "100.64.1.2" ? "Alice@Example.com" : undefined;
  });
  assert.equal(await verifier.verify({ login: "alice@example.com", clientIp: "100.64.1.2" }, 0), true);
  assert.equal(await verifier.verify({ login: "mallory@example.com", clientIp: "100.64.1.2" }, 1000), false);
  assert.equal(await verifier.verify({ login: "alice@example.com", clientIp: "100.64.1.3" }, 1000), false);
  assert.equal(await verifier.verify({ login: "alice@example.com", clientIp: "100.64.0.9" }, 1000), false);
  assert.deepEqual(asked, ["100.64.1.2", "100.64.1.3", "100.64.0.9"]);
  await verifier.verify({ login: "alice@example.com", clientIp: "100.64.1.2" }, 61_001);
  assert.equal(asked.length, 4, "asked again once the minute is over");
});

// The Control UI's device identity in a real browser (Debian's Chromium): the printed link pairs
// this browser's WebCrypto Ed25519 key silently (local, the gateway's own origin, shared token),
// the issued device token is stored and reused, and a reload pairs nothing new.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { disposeGateway, spawnGateway } from "../harness/gateway.ts";

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"];

test("the printed link pairs the browser's device and a reload reuses its device token", async (t) => {
  const gw = await spawnGateway();
  t.after(() => disposeGateway(gw));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const page = await (await browser.newContext()).newPage();
  const errors: Error[] = [];
  page.on("pageerror", (err) => errors.push(err));

  const link = (await gw.waitForOutput(/Control UI: \S+/)).slice("Control UI: ".length);
  await page.goto(link);
  await page.locator("[data-testid=status][data-state=connected]").waitFor();

  const stored = await page.evaluate(() => ({
    identity: JSON.parse(localStorage.getItem("openclaw.device.identity.v1") ?? "null"),
    auth: JSON.parse(localStorage.getItem("openclaw.device.auth.v1") ?? "null"),
  }));
  assert.match(stored.identity.deviceId, /^[0-9a-f]{64}$/);
  assert.equal(stored.auth.deviceId, stored.identity.deviceId);
  assert.equal(typeof stored.auth.tokens.operator.token, "string");

  const pairedFile = path.join(gw.home.stateDir, "devices/paired.json");
  const paired = JSON.parse(await readFile(pairedFile, "utf8"));
  const entry = paired[stored.identity.deviceId];
  assert.equal(entry.clientId, "openclaw-control-ui");
  assert.equal(entry.publicKey, stored.identity.publicKey);
  const before = await readFile(pairedFile, "utf8");

  await page.reload();
  await page.locator("[data-testid=status][data-state=connected]").waitFor();
  assert.equal(
    await readFile(pairedFile, "utf8"),
    before,
    "the stored device token was used, nothing reissued",
  );
  assert.deepEqual(errors, []);
});

import assert from "node:assert/strict";
import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { addToAllowStore, readAllowStore } from "../../src/routing/access/allow-store.ts";
import {
  approvePairingCode,
  generatePairingCode,
  listPairingRequests,
  PAIRING_ALPHABET,
  upsertPairingRequest,
} from "../../src/routing/access/pairing-store.ts";
import { FIXTURE_STATE } from "../harness/gateway.ts";
import { tempDirs } from "../harness/temp-dirs.ts";

const dir = tempDirs("pairing");
const T0 = Date.parse("2026-11-25T09:13:34.870Z");
const upsert = (stateDir: string, senderId: string, now: number, accountId = "default") =>
  upsertPairingRequest({
    stateDir,
    channel: "telegram",
    accountId,
    senderId,
    meta: { username: `u${senderId}` },
    now,
  });

test("codes are 8 characters of the unambiguous alphabet and unique among pending ones", () => {
  const code = generatePairingCode(new Set());
  assert.match(code, new RegExp(`^[${PAIRING_ALPHABET}]{8}$`));
  let n = 0;
  const picks = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
  assert.equal(
    generatePairingCode(new Set(["AAAAAAAA"]), () => picks[n++]!),
    "BBBBBBBB",
  );
});

test("reads the OpenClaw fixture's files and answers its pending code within the hour", async () => {
  const stateDir = await dir();
  await cp(path.join(FIXTURE_STATE, "credentials"), path.join(stateDir, "credentials"), { recursive: true });
  const list = await listPairingRequests(stateDir, "telegram", T0 + 10 * 60_000);
  assert.deepEqual(
    list.map((r) => [r.id, r.code, r.meta?.["username"]]),
    [["700100201", "5FT52VSF", "marsh_guest"]],
  );
  assert.deepEqual(await readAllowStore(stateDir, "telegram", "default"), ["700100200"]);
  const approval = await approvePairingCode(stateDir, "telegram", " 5ft52vsf ", T0 + 20 * 60_000);
  assert.equal(approval?.id, "700100201");
  assert.deepEqual(await readAllowStore(stateDir, "telegram", "default"), ["700100200", "700100201"]);
  assert.deepEqual(
    JSON.parse(await readFile(path.join(stateDir, "credentials/telegram-pairing.json"), "utf8")),
    {
      version: 1,
      requests: [],
    },
  );
});

test("a pending sender keeps its code; at most 3 are pending; expiry frees a slot", async () => {
  const stateDir = await dir();
  const a = await upsert(stateDir, "1", T0);
  assert.equal(a.type, "created");
  const again = await upsert(stateDir, "1", T0 + 60_000);
  assert.deepEqual(again, { type: "existing", code: a.type === "created" ? a.code : "" });
  await upsert(stateDir, "2", T0 + 1000);
  await upsert(stateDir, "3", T0 + 2000);
  assert.deepEqual(await upsert(stateDir, "4", T0 + 3000), { type: "full" });
  const file = JSON.parse(await readFile(path.join(stateDir, "credentials/telegram-pairing.json"), "utf8"));
  assert.equal(file.requests[0].lastSeenAt, new Date(T0 + 60_000).toISOString());
  assert.deepEqual(file.requests[0].meta, { username: "u1", accountId: "default" });
  // An hour after the first request it has expired: its code no longer works and "4" gets one.
  const later = T0 + 60 * 60_000;
  assert.equal(await approvePairingCode(stateDir, "telegram", file.requests[0].code, later), undefined);
  assert.equal((await upsert(stateDir, "4", later)).type, "created");
  assert.deepEqual(
    (await listPairingRequests(stateDir, "telegram", later)).map((r) => r.id),
    ["2", "3", "4"],
  );
});

test("approval lands in the account's scoped file; the legacy file is read for the default account only", async () => {
  const stateDir = await dir();
  const created = await upsert(stateDir, "9", T0, "alerts");
  assert.equal(created.type, "created");
  if (created.type !== "created") return;
  const approval = await approvePairingCode(stateDir, "telegram", created.code, T0);
  assert.equal(approval?.accountId, "alerts");
  assert.deepEqual(await readAllowStore(stateDir, "telegram", "alerts"), ["9"]);
  await writeFile(
    path.join(stateDir, "credentials/telegram-allowFrom.json"),
    JSON.stringify({ version: 1, allowFrom: ["5", "6"] }),
  );
  await addToAllowStore(stateDir, "telegram", "default", "6");
  assert.deepEqual(
    await readAllowStore(stateDir, "telegram", "default"),
    ["6", "5"],
    "scoped first, deduplicated",
  );
  assert.deepEqual(await readAllowStore(stateDir, "telegram", "alerts"), ["9"]);
});

test("a corrupt store is an error, never an empty allowlist", async () => {
  const stateDir = await dir();
  await addToAllowStore(stateDir, "telegram", "default", "1");
  await writeFile(path.join(stateDir, "credentials/telegram-default-allowFrom.json"), "{ nope");
  await assert.rejects(readAllowStore(stateDir, "telegram", "default"), /not valid JSON/);
});

// Ten thousand hostile frames at one real gateway (DESIGN §5 "inputs from outside are untrusted";
// reference-gateway §1–§2 limits and close codes). Seeded: a failure names the seed and frame, and
// FUZZ_SEED=<seed> replays it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { allMethods } from "../../src/gateway/methods/index-list.ts";
import { runFuzz } from "../harness/fuzz-frames.ts";
import { disposeGateway, spawnGateway } from "../harness/gateway.ts";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20261125);

test("malformed, truncated, oversized and out-of-order frames never take the gateway down", async (t) => {
  const token = "fuzz-token";
  const gw = await spawnGateway({ config: { gateway: { auth: { token } } } });
  t.after(() => disposeGateway(gw));
  const client = await gw.connect({ token });
  t.after(() => client.close());

  // A well-behaved client beside the fuzzer: every health call must keep succeeding.
  let fuzzing = true;
  let healthOk = 0;
  const healthErrors: string[] = [];
  const bystander = (async () => {
    while (fuzzing) {
      try {
        const h = (await client.request("health", {})) as Record<string, unknown>;
        if (typeof h === "object" && h !== null) healthOk++;
        else healthErrors.push(`health answered ${JSON.stringify(h)}`);
      } catch (err) {
        healthErrors.push(String(err));
        if (healthErrors.length > 5) return;
      }
    }
  })();

  const stats = await runFuzz({
    url: gw.wsUrl,
    token,
    seed: SEED,
    methods: allMethods().map((m) => m.name),
    frames: 10_000,
    maxDurationMs: 90_000,
    concurrency: 8,
    oversizeEvery: 2500,
  });
  fuzzing = false;
  await bystander;

  t.diagnostic(`fuzz seed ${SEED}: ${JSON.stringify({ ...stats, failures: stats.failures.length })}`);
  assert.deepEqual(stats.failures, []);
  assert.ok(stats.frames >= 10_000, `only ${stats.frames} frames within the time bound`);
  assert.equal(stats.responses + stats.closes, stats.frames, "every frame was answered or closed its socket");
  assert.deepEqual(healthErrors, []);
  assert.ok(healthOk > 10, `the bystander got ${healthOk} health answers`);
  assert.equal(gw.proc.exitCode, null, "the gateway process is still running");
  assert.ok(await client.request("health", {}), "and still answers after the fuzz");
});

/**
 * The gateway fuzzer of `test/e2e/fuzz.test.ts`, run longer, printing figures: frames/s, how the
 * frames ended, and the gateway's RSS before and after. Asserts nothing; exits 1 only when a frame
 * went unanswered or the gateway died, printing the seed and frame that reproduce it.
 *
 * Standalone (too long for `bench/run-all.ts`):
 *   node bench/fuzz.ts [--frames 100000] [--seconds 300] [--seed 42] [--concurrency 8]
 */
import { parseArgs } from "node:util";
import { allMethods } from "../src/gateway/methods/index-list.ts";
import { runFuzz } from "../test/harness/fuzz-frames.ts";
import { disposeGateway, spawnGateway } from "../test/harness/gateway.ts";
import { treeRss } from "./lib.ts";

const { values } = parseArgs({
  options: {
    frames: { type: "string", default: "100000" },
    seconds: { type: "string", default: "300" },
    seed: { type: "string", default: String(Date.now() % 2 ** 31) },
    concurrency: { type: "string", default: "8" },
  },
});
const frames = Number(values.frames);
const seconds = Number(values.seconds);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const token = "bench-fuzz-token";
const gw = await spawnGateway({ config: { gateway: { auth: { token } } } });
const pid = gw.proc.pid!;
const client = await gw.connect({ token });
await client.request("health", {});
const rssBefore = await treeRss(pid);

let healthOk = 0;
let healthFailed = 0;
let fuzzing = true;
const bystander = (async () => {
  while (fuzzing) {
    try {
      await client.request("health", {});
      healthOk++;
    } catch {
      healthFailed++;
    }
  }
})();

const t0 = performance.now();
const stats = await runFuzz({
  url: gw.wsUrl,
  token,
  seed,
  methods: allMethods().map((m) => m.name),
  frames,
  maxDurationMs: seconds * 1000,
  concurrency,
  oversizeEvery: 2500,
});
const elapsedS = (performance.now() - t0) / 1000;
fuzzing = false;
await bystander;
const rssAfter = await treeRss(pid);
const alive = gw.proc.exitCode === null && gw.proc.signalCode === null;

console.log(`seed                 ${seed}`);
console.log(
  `frames               ${stats.frames} in ${elapsedS.toFixed(1)} s (${(stats.frames / elapsedS).toFixed(0)} frames/s)`,
);
console.log(
  `answered / closed    ${stats.responses} / ${stats.closes} over ${stats.connections} connections`,
);
console.log(`bystander health     ${healthOk} ok, ${healthFailed} failed`);
console.log(`gateway RSS          ${mb(rssBefore)} before, ${mb(rssAfter)} after`);
console.log(`gateway alive        ${alive}`);
for (const [kind, n] of Object.entries(stats.byKind).sort(([a], [b]) => a.localeCompare(b)))
  console.log(`  ${kind.padEnd(20)} ${n}`);
for (const f of stats.failures) console.log(`FAIL ${f}`);

client.close();
await disposeGateway(gw);
process.exitCode = stats.failures.length > 0 || healthFailed > 0 || !alive ? 1 : 0;

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { OpenClawConfigSchema } from "../../src/config/schema.ts";
import { GlobalLanes, laneCap, resolveGlobalLane } from "../../src/sessions/global-lanes.ts";

/** A task whose end the test decides: `started` settles once the lane let it run. */
function gate(): {
  task: () => Promise<void>;
  started: Promise<void>;
  finish: () => void;
  ran: () => boolean;
} {
  let ran = false;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    task: () => {
      ran = true;
      markStarted();
      return finished;
    },
    started,
    finish,
    ran: () => ran,
  };
}

/** Lets every pending hand-over (promise continuation) happen. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("lane caps", () => {
  test("OpenClaw's defaults: main 4, subagent 8, cron 1, any other lane 1", () => {
    const config = OpenClawConfigSchema.parse({});
    assert.equal(laneCap(config, "main"), 4);
    assert.equal(laneCap(config, "subagent"), 8);
    assert.equal(laneCap(config, "cron"), 1);
    assert.equal(laneCap(config, "batch"), 1);
  });

  test("each named lane reads its own setting", () => {
    const config = OpenClawConfigSchema.parse({
      agents: { defaults: { maxConcurrent: 2, subagents: { maxConcurrent: 3 } } },
      cron: { maxConcurrentRuns: 5 },
    });
    assert.equal(laneCap(config, "main"), 2);
    assert.equal(laneCap(config, "subagent"), 3);
    assert.equal(laneCap(config, "cron"), 5);
    assert.equal(laneCap(config, "nested"), 1);
  });

  test("no lane or a blank one is main; names are trimmed", () => {
    assert.equal(resolveGlobalLane(undefined), "main");
    assert.equal(resolveGlobalLane("  "), "main");
    assert.equal(resolveGlobalLane(" subagent "), "subagent");
    assert.equal(resolveGlobalLane("batch"), "batch");
  });
});

describe("GlobalLanes", () => {
  test("a lane runs up to its cap; the rest wait and start in arrival order", async () => {
    const lanes = new GlobalLanes(() => 2);
    const order: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const runs = gates.map((g, i) =>
      lanes.run("main", async () => {
        order.push(i);
        await g.task();
      }),
    );
    await Promise.all([gates[0]!.started, gates[1]!.started]);
    await settle();
    assert.deepEqual(lanes.stats("main"), { running: 2, waiting: 2 });
    assert.equal(gates[2]!.ran(), false);

    gates[1]!.finish();
    await gates[2]!.started;
    await settle();
    assert.equal(gates[3]!.ran(), false, "still two running");
    gates[0]!.finish();
    await gates[3]!.started;
    gates[2]!.finish();
    gates[3]!.finish();
    await Promise.all(runs);
    assert.deepEqual(order, [0, 1, 2, 3]);
  });

  test("lanes are independent: a full lane does not hold up another", async () => {
    const lanes = new GlobalLanes((lane) => (lane === "main" ? 1 : 2));
    const main = gate();
    const mainWaiting = gate();
    const sub1 = gate();
    const sub2 = gate();
    const mainRuns = [lanes.run("main", main.task), lanes.run("main", mainWaiting.task)];
    const subRuns = [lanes.run("subagent", sub1.task), lanes.run("subagent", sub2.task)];
    await Promise.all([main.started, sub1.started, sub2.started]);
    await settle();
    assert.equal(mainWaiting.ran(), false);
    assert.deepEqual(lanes.stats("subagent"), { running: 2, waiting: 0 });
    for (const g of [main, mainWaiting, sub1, sub2]) g.finish();
    await Promise.all([...mainRuns, ...subRuns]);
  });

  test("an unconfigured lane name gets a lane of its own, dropped once idle", async () => {
    const config = OpenClawConfigSchema.parse({});
    const lanes = new GlobalLanes((lane) => laneCap(config, lane));
    const a = gate();
    const b = gate();
    const first = lanes.run("batch", a.task);
    const second = lanes.run("batch", b.task);
    await a.started;
    await settle();
    assert.equal(b.ran(), false, "an unconfigured lane admits one run at a time");
    assert.deepEqual(lanes.names, ["batch"]);
    a.finish();
    await b.started;
    b.finish();
    await Promise.all([first, second]);
    assert.deepEqual(lanes.names, []);
    assert.deepEqual(lanes.stats("batch"), { running: 0, waiting: 0 });
  });

  test("a raised cap starts waiting runs at the next arrival", async () => {
    let cap = 1;
    const lanes = new GlobalLanes(() => cap);
    const gates = [gate(), gate(), gate()];
    const runs = gates.slice(0, 2).map((g) => lanes.run("main", g.task));
    await gates[0]!.started;
    await settle();
    assert.equal(gates[1]!.ran(), false);
    cap = 3;
    runs.push(lanes.run("main", gates[2]!.task));
    await Promise.all([gates[1]!.started, gates[2]!.started]);
    assert.deepEqual(lanes.stats("main"), { running: 3, waiting: 0 });
    for (const g of gates) g.finish();
    await Promise.all(runs);
  });

  test("a lowered cap lets running work finish and starts nothing new until below it", async () => {
    let cap = 3;
    const lanes = new GlobalLanes(() => cap);
    const gates = [gate(), gate(), gate(), gate()];
    const runs = gates.slice(0, 3).map((g) => lanes.run("main", g.task));
    await Promise.all(gates.slice(0, 3).map((g) => g.started));
    cap = 1;
    runs.push(lanes.run("main", gates[3]!.task));
    await settle();
    assert.deepEqual(lanes.stats("main"), { running: 3, waiting: 1 });
    gates[0]!.finish();
    await settle();
    assert.equal(gates[3]!.ran(), false, "two still run, above the new cap of one");
    gates[1]!.finish();
    await settle();
    assert.equal(gates[3]!.ran(), false);
    gates[2]!.finish();
    await gates[3]!.started;
    assert.deepEqual(lanes.stats("main"), { running: 1, waiting: 0 });
    gates[3]!.finish();
    await Promise.all(runs);
  });

  test("a failing run frees its slot and its error reaches the caller", async () => {
    const lanes = new GlobalLanes(() => 1);
    const failed = lanes.run("cron", () => Promise.reject(new Error("boom")));
    const next = lanes.run("cron", async () => "ran");
    await assert.rejects(failed, /boom/);
    assert.equal(await next, "ran");
    assert.deepEqual(lanes.names, []);
  });

  test("a nonsense cap still admits one run", async () => {
    const lanes = new GlobalLanes(() => Number.NaN);
    assert.equal(await lanes.run("main", async () => 1), 1);
    const zero = new GlobalLanes(() => 0);
    assert.equal(await zero.run("main", async () => 2), 2);
  });
});

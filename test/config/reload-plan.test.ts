import assert from "node:assert/strict";
import { test } from "node:test";
import { diffPaths, planReload } from "../../src/config/reload-plan.ts";

const base = {
  gateway: { port: 18789, reload: { mode: "hybrid" } },
  agents: { defaults: { model: { primary: "anthropic/claude-opus-4-6" } } },
};

function withChange(path: string[], value: unknown): Record<string, unknown> {
  const next = structuredClone(base) as Record<string, unknown>;
  let node = next;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
  return next;
}

test("no change plans nothing", () => {
  assert.deepEqual(planReload(base, structuredClone(base)), { changed: [], restart: [], hot: [] });
});

test("the default model is applied hot", () => {
  const plan = planReload(base, withChange(["agents", "defaults", "model", "primary"], "openai/gpt-5.2"));
  assert.deepEqual(plan, {
    changed: ["agents.defaults.model.primary"],
    restart: [],
    hot: ["agents.defaults.model.primary"],
  });
});

test("the gateway port needs a restart", () => {
  const plan = planReload(base, withChange(["gateway", "port"], 19000));
  assert.deepEqual(plan, { changed: ["gateway.port"], restart: ["gateway.port"], hot: [] });
});

test("gateway.reload.mode needs neither", () => {
  const plan = planReload(base, withChange(["gateway", "reload", "mode"], "hot"));
  assert.deepEqual(plan, { changed: ["gateway.reload.mode"], restart: [], hot: [] });
});

test("gateway.remote needs neither", () => {
  const plan = planReload(base, withChange(["gateway", "remote", "url"], "wss://x"));
  assert.deepEqual(plan.restart, []);
  assert.deepEqual(plan.hot, []);
});

test("a new top-level key no rule matches needs a restart", () => {
  assert.deepEqual(planReload(base, { ...base, somethingNew: 1 }), {
    changed: ["somethingNew"],
    restart: ["somethingNew"],
    hot: [],
  });
  const section = planReload(base, { ...base, somethingNew: { a: 1 } });
  assert.deepEqual(section.restart, ["somethingNew.a"], "an added section is reported by its leaves");
});

test("a key that only shares a rule's prefix as text is not matched by it", () => {
  // `gatewayish` must not count as under `gateway`, nor `agentsX` under `agents`.
  const plan = planReload(base, { ...base, agentsX: 1 });
  assert.deepEqual(plan.restart, ["agentsX"]);
});

test("plugins, discovery and canvasHost need a restart; channels, hooks and cron are hot", () => {
  const plan = planReload(
    {},
    {
      plugins: { enabled: true },
      discovery: { mdns: { mode: "off" } },
      canvasHost: { port: 1 },
      channels: { telegram: { enabled: true } },
      hooks: { enabled: true },
      cron: { enabled: false },
    },
  );
  assert.deepEqual(plan.restart.sort(), ["canvasHost.port", "discovery.mdns.mode", "plugins.enabled"]);
  assert.deepEqual(plan.hot.sort(), ["channels.telegram.enabled", "cron.enabled", "hooks.enabled"]);
});

test("diffPaths reports changed leaves, removed keys and sections, and whole arrays", () => {
  assert.deepEqual(
    diffPaths(
      { a: { b: 1, c: 2 }, list: [1, 2], gone: true, goneSection: { x: { y: 1 } } },
      { a: { b: 1, c: 3 }, list: [1, 2, 3] },
    ).sort(),
    ["a.c", "gone", "goneSection.x.y", "list"],
  );
});

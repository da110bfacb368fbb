// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal `${VAR}` references in config text.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { ConfigIssue } from "../../src/config/issues.ts";
import { type ConfigSnapshot, readConfigSnapshot } from "../../src/config/load.ts";

let root: string;
let seq = 0;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "openclaw-load-"));
});
after(() => rm(root, { recursive: true, force: true }));

/** Writes `files` (relative path → text) into a fresh dir and returns the path of the first one. */
async function writeTree(files: Record<string, string>): Promise<string> {
  const dir = path.join(root, String(++seq));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return path.join(dir, Object.keys(files)[0]!);
}

async function load(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<ConfigSnapshot> {
  return readConfigSnapshot(await writeTree(files), env);
}

function shown(issues: ConfigIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}

function assertValid(snap: ConfigSnapshot): void {
  assert.equal(snap.valid, true, `expected a valid config, got:\n${shown(snap.errors)}`);
}

describe("JSON5", () => {
  test("comments, unquoted keys and trailing commas parse", async () => {
    const snap = await load({
      "openclaw.json": `// my gateway\n{\n  /* block */ gateway: { port: 18790, },\n  agents: { list: [{ id: "main", },], },\n}\n`,
    });
    assertValid(snap);
    assert.equal(snap.config.gateway.port, 18790);
    assert.deepEqual(snap.source, { gateway: { port: 18790 }, agents: { list: [{ id: "main" }] } });
  });

  test("a missing file is a valid empty config with defaults", async () => {
    const snap = await readConfigSnapshot(path.join(root, "nope", "openclaw.json"), {});
    assertValid(snap);
    assert.equal(snap.exists, false);
    assert.equal(snap.config.gateway.port, 18789);
  });

  test("a syntax error names file:line:col", async () => {
    const file = await writeTree({ "openclaw.json": `{\n  gateway: { port: 1 },\n  oops here\n}\n` });
    const snap = await readConfigSnapshot(file, {});
    assert.equal(snap.valid, false);
    assert.match(shown(snap.errors), new RegExp(`${escapeRegExp(file)}:3:\\d+`));
    assert.match(shown(snap.errors), /syntax error/i);
  });
});

describe("$include", () => {
  test("a string include merges the file, resolved relative to the including file", async () => {
    const snap = await load({
      "conf/openclaw.json": `{ $include: "parts/gw.json5", agents: { defaults: { workspace: "/w" } } }`,
      "conf/parts/gw.json5": `{ gateway: { port: 18800, bind: "lan" } }`,
    });
    assertValid(snap);
    assert.equal(snap.config.gateway.port, 18800);
    assert.equal(snap.config.gateway.bind, "lan");
    assert.equal(snap.config.agents.defaults.workspace, "/w");
  });

  test("an array of includes merges in order and sibling keys override them", async () => {
    const snap = await load({
      "openclaw.json": `{ $include: ["a.json", "b.json"], gateway: { port: 18803 } }`,
      "a.json": `{ gateway: { port: 18801, bind: "lan" }, logging: { level: "debug" } }`,
      "b.json": `{ gateway: { port: 18802 }, logging: { level: "warn" } }`,
    });
    assertValid(snap);
    assert.equal(snap.config.gateway.port, 18803, "the sibling key wins");
    assert.equal(snap.config.gateway.bind, "lan", "a.json's other keys survive the merge");
    assert.equal(snap.config.logging.level, "warn", "the later include wins");
  });

  test("an include inside a nested key applies at that key", async () => {
    const snap = await load({
      "openclaw.json": `{ agents: { $include: "agents.json", defaults: { timeoutSeconds: 60 } } }`,
      "agents.json": `{ list: [{ id: "main" }], defaults: { timeoutSeconds: 10, workspace: "/ws" } }`,
    });
    assertValid(snap);
    assert.equal(snap.config.agents.list?.[0]?.id, "main");
    assert.equal(snap.config.agents.defaults.timeoutSeconds, 60);
    assert.equal(snap.config.agents.defaults.workspace, "/ws");
  });

  test("nested includes resolve relative to each including file", async () => {
    const snap = await load({
      "openclaw.json": `{ $include: "sub/one.json" }`,
      "sub/one.json": `{ $include: "deeper/two.json", logging: { level: "debug" } }`,
      "sub/deeper/two.json": `{ gateway: { port: 18804 } }`,
    });
    assertValid(snap);
    assert.equal(snap.config.gateway.port, 18804);
    assert.equal(snap.config.logging.level, "debug");
  });

  test("the snapshot's source keeps $include un-inlined", async () => {
    const snap = await load({
      "openclaw.json": `{ $include: "gw.json" }`,
      "gw.json": `{ gateway: { port: 18805 } }`,
    });
    assert.deepEqual(snap.source, { $include: "gw.json" });
  });

  test("a cycle is an error naming the chain", async () => {
    const snap = await load({
      "openclaw.json": `{ $include: "a.json" }`,
      "a.json": `{ $include: "b.json" }`,
      "b.json": `{ $include: "a.json" }`,
    });
    assert.equal(snap.valid, false);
    assert.match(shown(snap.errors), /cycle/);
    assert.match(shown(snap.errors), /a\.json -> .*b\.json -> .*a\.json/);
  });

  test("a file including itself through a relative config path is a cycle", async () => {
    const file = await writeTree({ "openclaw.json": `{ $include: "./openclaw.json" }` });
    const snap = await readConfigSnapshot(path.relative(process.cwd(), file), {});
    assert.equal(snap.valid, false);
    assert.match(shown(snap.errors), /cycle/);
  });

  test("more than 10 levels of nesting is an error", async () => {
    const files: Record<string, string> = { "openclaw.json": `{ $include: "l1.json" }` };
    for (let i = 1; i <= 11; i++) files[`l${i}.json`] = `{ $include: "l${i + 1}.json" }`;
    files["l12.json"] = `{ gateway: { port: 18806 } }`;
    const snap = await load(files);
    assert.equal(snap.valid, false);
    assert.match(shown(snap.errors), /deeper than 10 levels/);
  });

  test("10 levels of nesting are fine", async () => {
    const files: Record<string, string> = { "openclaw.json": `{ $include: "l1.json" }` };
    for (let i = 1; i < 10; i++) files[`l${i}.json`] = `{ $include: "l${i + 1}.json" }`;
    files["l10.json"] = `{ gateway: { port: 18807 } }`;
    const snap = await load(files);
    assertValid(snap);
    assert.equal(snap.config.gateway.port, 18807);
  });

  test("a missing include is an error naming the file", async () => {
    const snap = await load({ "openclaw.json": `{ $include: "missing.json" }` });
    assert.equal(snap.valid, false);
    assert.match(shown(snap.errors), /missing\.json/);
    assert.match(shown(snap.errors), /not found/);
  });

  test("a syntax error in an included file names that file", async () => {
    const file = await writeTree({ "openclaw.json": `{ $include: "bad.json" }`, "bad.json": `{\n  x: ,\n}` });
    const snap = await readConfigSnapshot(file, {});
    assert.equal(snap.valid, false);
    assert.match(
      shown(snap.errors),
      new RegExp(`${escapeRegExp(path.join(path.dirname(file), "bad.json"))}:2:\\d+`),
    );
  });
});

describe("${VAR} substitution", () => {
  const provider = (fields: string): string =>
    `{ models: { providers: { x: { api: "openai-completions", models: [], ${fields} } } } }`;

  test("a whole-string and a mid-string reference are replaced", async () => {
    const snap = await load(
      { "openclaw.json": provider(`apiKey: "\${X_KEY}", baseUrl: "\${BASE}/v1"`) },
      { X_KEY: "sk-1", BASE: "http://h:1" },
    );
    assertValid(snap);
    assert.equal(snap.config.models.providers?.["x"]?.apiKey, "sk-1");
    assert.equal(snap.config.models.providers?.["x"]?.baseUrl, "http://h:1/v1");
    assert.equal(
      (snap.source as { models: { providers: { x: { apiKey: string } } } }).models.providers.x.apiKey,
      "${X_KEY}",
      "the source keeps the reference",
    );
  });

  test("$${VAR} is a literal ${VAR}, even when VAR is unset", async () => {
    const snap = await load({ "openclaw.json": provider(`baseUrl: "http://h/$\${NOT_SET}"`) });
    assertValid(snap);
    assert.equal(snap.config.models.providers?.["x"]?.baseUrl, "http://h/${NOT_SET}");
  });

  test("a missing variable is an error naming the variable and the key path", async () => {
    const snap = await load({ "openclaw.json": provider(`apiKey: "\${MISSING_KEY}"`) });
    assert.equal(snap.valid, false);
    assert.equal(snap.errors[0]?.path, "models.providers.x.apiKey");
    assert.match(snap.errors[0]?.message ?? "", /MISSING_KEY/);
  });

  test("a missing variable keeps the parsed source, so the key can still be edited", async () => {
    const snap = await load({ "openclaw.json": provider(`apiKey: "\${MISSING_KEY}"`) });
    assert.equal(
      (snap.source as { models: { providers: { x: { apiKey: string } } } }).models.providers.x.apiKey,
      "${MISSING_KEY}",
    );
  });

  test("a reference inside an included file is substituted too", async () => {
    const snap = await load(
      {
        "openclaw.json": `{ $include: "gw.json" }`,
        "gw.json": `{ gateway: { auth: { token: "\${TOK}" } } }`,
      },
      { TOK: "t-123" },
    );
    assertValid(snap);
    assert.equal(snap.config.gateway.auth?.token, "t-123");
  });

  test("the env block (vars and shorthand) feeds ${VAR}", async () => {
    const snap = await load({
      "openclaw.json": `{
        env: { SHORT_KEY: "from-shorthand", vars: { VARS_KEY: "from-vars" } },
        models: { providers: { x: { api: "openai-completions", models: [],
          apiKey: "\${SHORT_KEY}", baseUrl: "http://\${VARS_KEY}" } } },
      }`,
    });
    assertValid(snap);
    assert.equal(snap.config.models.providers?.["x"]?.apiKey, "from-shorthand");
    assert.equal(snap.config.models.providers?.["x"]?.baseUrl, "http://from-vars");
  });

  test("the env block never overrides a real environment variable", async () => {
    const env = { SHORT_KEY: "real-1", VARS_KEY: "real-2" };
    const snap = await load(
      {
        "openclaw.json": `{
          env: { SHORT_KEY: "block-1", vars: { VARS_KEY: "block-2" } },
          models: { providers: { x: { api: "openai-completions", models: [],
            apiKey: "\${SHORT_KEY}", baseUrl: "http://\${VARS_KEY}" } } },
        }`,
      },
      env,
    );
    assertValid(snap);
    assert.equal(snap.config.models.providers?.["x"]?.apiKey, "real-1");
    assert.equal(snap.config.models.providers?.["x"]?.baseUrl, "http://real-2");
    assert.deepEqual(env, { SHORT_KEY: "real-1", VARS_KEY: "real-2" }, "reading does not change the env");
  });
});

describe("unknown keys", () => {
  test("are warnings with the path and the closest known key; the config stays valid", async () => {
    const snap = await load({ "openclaw.json": `{ gatway: { port: 1 }, gateway: { prot: 2 } }` });
    assertValid(snap);
    const byPath = new Map(snap.warnings.map((w) => [w.path, w.message]));
    assert.match(byPath.get("gatway") ?? "", /"gateway"/);
    assert.match(byPath.get("gateway.prot") ?? "", /"port"/);
  });

  test("are found inside arrays", async () => {
    const snap = await load({ "openclaw.json": `{ agents: { list: [{ id: "main", worksapce: "/w" }] } }` });
    assertValid(snap);
    assert.deepEqual(
      snap.warnings.map((w) => w.path),
      ["agents.list[0].worksapce"],
    );
    assert.match(snap.warnings[0]!.message, /did you mean "workspace"/);
  });

  test("are found inside records", async () => {
    const snap = await load({
      "openclaw.json": `{ models: { providers: { x: { api: "openai-completions", models: [], baseURL: "http://h" } } } }`,
    });
    assertValid(snap);
    assert.deepEqual(
      snap.warnings.map((w) => w.path),
      ["models.providers.x.baseURL"],
    );
    assert.match(snap.warnings[0]!.message, /did you mean "baseUrl"/);
  });

  test("$schema at the root and free-form keys under env are not warned about", async () => {
    const snap = await load({
      "openclaw.json": `{ $schema: "https://openclaw.ai/config.schema.json", env: { OPENROUTER_API_KEY: "k", vars: { GROQ_API_KEY: "g" } } }`,
    });
    assertValid(snap);
    assert.deepEqual(snap.warnings, []);
  });

  test("$schema below the root is still unknown", async () => {
    const snap = await load({ "openclaw.json": `{ gateway: { $schema: "x" } }` });
    assert.deepEqual(
      snap.warnings.map((w) => w.path),
      ["gateway.$schema"],
    );
  });
});

describe("wrong types", () => {
  test("are errors with the path and what was expected", async () => {
    const snap = await load({ "openclaw.json": `{ gateway: { port: "eighty" } }` });
    assert.equal(snap.valid, false);
    assert.equal(snap.errors[0]?.path, "gateway.port");
    assert.match(snap.errors[0]!.message, /expected number/);
    assert.match(snap.errors[0]!.message, /string/);
  });

  test("a wrong enum value lists the allowed values", async () => {
    const snap = await load({ "openclaw.json": `{ gateway: { bind: "everywhere" } }` });
    assert.equal(snap.valid, false);
    assert.equal(snap.errors[0]?.path, "gateway.bind");
    assert.match(snap.errors[0]!.message, /expected one of .*"loopback"/);
  });

  test("a value matching no branch of a union says what was expected", async () => {
    const snap = await load({ "openclaw.json": `{ agents: { defaults: { model: 3 } } }` });
    assert.equal(snap.valid, false);
    assert.equal(snap.errors[0]?.path, "agents.defaults.model");
    assert.match(snap.errors[0]!.message, /expected/);
  });

  test("an error inside an array names the index", async () => {
    const snap = await load({ "openclaw.json": `{ agents: { list: [{ id: "main" }, { id: 7 }] } }` });
    assert.equal(snap.valid, false);
    assert.equal(snap.errors[0]?.path, "agents.list[1].id");
    assert.match(snap.errors[0]!.message, /expected string/);
  });

  test("a config that is not an object is an error", async () => {
    const snap = await load({ "openclaw.json": `[1, 2]` });
    assert.equal(snap.valid, false);
    assert.match(shown(snap.errors), /must be an object/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

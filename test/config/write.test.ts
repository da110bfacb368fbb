// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal `${VAR}` references in config text.
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import JSON5 from "json5";
import { ConfigError } from "../../src/config/issues.ts";
import { hashText } from "../../src/config/load.ts";
import { setAtPath, unsetAtPath } from "../../src/config/path-expr.ts";
import { ConfigConflictError, writeConfig } from "../../src/config/write.ts";

let root: string;
let seq = 0;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "openclaw-write-"));
});
after(() => rm(root, { recursive: true, force: true }));

/** A fresh dir holding `openclaw.json` with `text` (or no file), plus any sibling files. */
async function configFile(text?: string, siblings: Record<string, string> = {}): Promise<string> {
  const dir = path.join(root, String(++seq));
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "openclaw.json");
  if (text !== undefined) await writeFile(file, text);
  for (const [name, body] of Object.entries(siblings)) await writeFile(path.join(dir, name), body);
  return file;
}

function setPort(port: number) {
  return (cur: Record<string, unknown>) => setAtPath(cur, ["gateway", "port"], port);
}

async function readTree(file: string): Promise<unknown> {
  return JSON5.parse(await readFile(file, "utf8"));
}

test("a write keeps keys the schema does not know", async () => {
  const file = await configFile(`{ futureSection: { a: 1 }, gateway: { port: 1, newKnob: true } }`);
  await writeConfig({ path: file, env: {}, update: setPort(18790) });
  assert.deepEqual(await readTree(file), {
    futureSection: { a: 1 },
    gateway: { port: 18790, newKnob: true },
  });
});

test("a write keeps ${VAR} references and $include un-inlined", async () => {
  const file = await configFile(
    `{ $include: "agents.json", models: { providers: { x: { api: "openai-completions", models: [], apiKey: "\${X_KEY}" } } } }`,
    { "agents.json": `{ agents: { list: [{ id: "main" }] } }` },
  );
  const snap = await writeConfig({ path: file, env: { X_KEY: "sk-secret" }, update: setPort(18791) });
  assert.deepEqual(await readTree(file), {
    $include: "agents.json",
    models: { providers: { x: { api: "openai-completions", models: [], apiKey: "${X_KEY}" } } },
    gateway: { port: 18791 },
  });
  assert.doesNotMatch(await readFile(file, "utf8"), /sk-secret|"list"/);
  assert.equal(snap.config.agents.list?.[0]?.id, "main", "the returned snapshot is the resolved config");
});

test("an invalid result is refused with its issues and the file stays byte-identical", async () => {
  const original = `// mine\n{ gateway: { port: 18789, }, }\n`;
  const file = await configFile(original);
  await assert.rejects(
    writeConfig({ path: file, env: {}, update: (cur) => setAtPath(cur, ["gateway", "port"], "not a port") }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues[0]?.path, "gateway.port");
      assert.match(err.issues[0]!.message, /expected number/);
      return true;
    },
  );
  assert.equal(await readFile(file, "utf8"), original);
  assert.deepEqual(await readdir(path.dirname(file)), ["openclaw.json"], "no backup, lock or temp file");
});

test("a file with a JSON5 syntax error is never overwritten", async () => {
  const original = `{ gateway: { port: 18789 }\n  oops }\n`;
  const file = await configFile(original);
  await assert.rejects(writeConfig({ path: file, env: {}, update: setPort(1) }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /refusing to write/);
    assert.match(err.issues[0]!.path, /openclaw\.json:2:\d+/);
    return true;
  });
  assert.equal(await readFile(file, "utf8"), original);
});

test("a file whose ${VAR} is missing can still have that key removed", async () => {
  const file = await configFile(`{ gateway: { port: 1, auth: { token: "\${NOT_SET_TOKEN}" } } }`);
  await writeConfig({ path: file, env: {}, update: (cur) => unsetAtPath(cur, ["gateway", "auth"]).tree });
  assert.deepEqual(await readTree(file), { gateway: { port: 1 } });
});

test("a baseHash that no longer matches is a ConfigConflictError and nothing is written", async () => {
  const original = `{ gateway: { port: 1 } }`;
  const file = await configFile(original);
  await assert.rejects(
    writeConfig({ path: file, env: {}, baseHash: hashText("{ gateway: { port: 0 } }"), update: setPort(2) }),
    ConfigConflictError,
  );
  assert.equal(await readFile(file, "utf8"), original);
  await writeConfig({ path: file, env: {}, baseHash: hashText(original), update: setPort(3) });
  assert.deepEqual(await readTree(file), { gateway: { port: 3 } });
});

test("seven writes keep exactly five backups, newest first", async () => {
  const file = await configFile(`{ gateway: { port: 18000 } }`);
  for (let i = 1; i <= 7; i++) await writeConfig({ path: file, env: {}, update: setPort(18000 + i) });
  const dir = path.dirname(file);
  assert.deepEqual((await readdir(dir)).sort(), [
    "openclaw.json",
    "openclaw.json.bak",
    "openclaw.json.bak.1",
    "openclaw.json.bak.2",
    "openclaw.json.bak.3",
    "openclaw.json.bak.4",
  ]);
  const portIn = async (name: string): Promise<unknown> =>
    ((await readTree(path.join(dir, name))) as { gateway: { port: number } }).gateway.port;
  assert.equal(await portIn("openclaw.json"), 18007);
  assert.equal(await portIn("openclaw.json.bak"), 18006);
  assert.equal(await portIn("openclaw.json.bak.1"), 18005);
  assert.equal(await portIn("openclaw.json.bak.2"), 18004);
  assert.equal(await portIn("openclaw.json.bak.3"), 18003);
  assert.equal(await portIn("openclaw.json.bak.4"), 18002);
});

test("the first write of a missing file creates it with mode 0600 and no backup", async () => {
  const file = await configFile();
  await writeConfig({ path: file, env: {}, update: setPort(18792) });
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(path.dirname(file)), ["openclaw.json"]);
});

test("rewriting a world-readable file leaves it and its backup at mode 0600", async () => {
  const file = await configFile(`{ gateway: { auth: { token: "secret-token" } } }`);
  await chmod(file, 0o644);
  await writeConfig({ path: file, env: {}, update: setPort(18793) });
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(`${file}.bak`)).mode & 0o777, 0o600, "the backup holds the same secrets");
});

test("writes leave no temp or lock files behind, even when several run at once", async () => {
  const file = await configFile(`{}`);
  await Promise.all(
    [1, 2, 3, 4].map((i) =>
      writeConfig({
        path: file,
        env: {},
        update: (cur) => setAtPath(cur, ["env", "vars", `K${i}`], `v${i}`),
      }),
    ),
  );
  const names = await readdir(path.dirname(file));
  assert.deepEqual(
    names.filter((n) => !/^openclaw\.json(\.bak(\.\d)?)?$/.test(n)),
    [],
  );
  assert.deepEqual(
    await readTree(file),
    { env: { vars: { K1: "v1", K2: "v2", K3: "v3", K4: "v4" } } },
    "serialized: no write lost another's change",
  );
});

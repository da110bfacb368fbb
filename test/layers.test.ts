import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// DESIGN.md §3: folders are the architecture. Higher numbers sit higher; an import may point to its
// own layer or a lower one, never up. `client` is a top-layer part (used by the CLI and tests) that
// nothing below the top may import.
const LAYERS: Readonly<Record<string, number>> = {
  cli: 3,
  gateway: 3,
  ui: 3,
  client: 3,
  agents: 2,
  routing: 2,
  channels: 2,
  automation: 2,
  models: 1,
  sessions: 1,
  memory: 1,
  skills: 1,
  tools: 1,
  config: 1,
  infra: 1,
  protocol: 1,
};

const SRC = fileURLToPath(new URL("../src/", import.meta.url));
const PI_AI = "@earendil-works/pi-ai";

interface ImportRef {
  specifier: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
}

async function listTsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts")) continue;
    const full = path.join(entry.parentPath, entry.name);
    if (!full.split(path.sep).includes("node_modules")) out.push(full);
  }
  return out.sort();
}

/** Comments are blanked first so an example in a doc comment is not taken for an import. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

function importsOf(source: string): ImportRef[] {
  const text = stripComments(source);
  const refs: ImportRef[] = [];
  // `import … from "x"`, `import "x"`, `export … from "x"`: statement starts a line.
  const staticRe = /^\s*(import|export)\s+(type\s+)?([^;]*?\sfrom\s+)?["']([^"']+)["']/gm;
  for (const m of text.matchAll(staticRe)) {
    if (m[1] === "export" && !m[3]) continue; // `export "x"` is not a thing; `export const` never matches
    refs.push({ specifier: m[4]!, typeOnly: m[2] !== undefined });
  }
  // `import("x")` evaluates at run time; `typeof import("x")` and `import("x").T` in a type do not,
  // but they still name the module, so they count for layering (typeOnly) and not for pi-ai.
  for (const m of text.matchAll(/(typeof\s+)?\bimport\s*\(\s*["']([^"']+)["']\s*\)/g)) {
    refs.push({ specifier: m[2]!, typeOnly: m[1] !== undefined });
  }
  return refs;
}

/** `src/<part>/…` → `<part>`; a file directly under src/ has no part. */
function partOf(file: string): string | undefined {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0] : undefined;
}

/** `src/channels/<name>/…` → `<name>`; the shared files in `src/channels/` itself have none. */
function channelOf(file: string): string | undefined {
  const rel = path.relative(SRC, file).split(path.sep);
  // `channels/media/` holds the file handling every channel shares (download caps, resizing): not a channel.
  return rel[0] === "channels" && rel.length > 2 && rel[1] !== "media" ? rel[1] : undefined;
}

function violationsOf(file: string, refs: ImportRef[]): string[] {
  const out: string[] = [];
  const from = partOf(file);
  const show = (spec: string, why: string): string => `${path.relative(SRC, file)} -> ${spec} (${why})`;
  for (const ref of refs) {
    if (ref.specifier === PI_AI || ref.specifier.startsWith(`${PI_AI}/`)) {
      if (from !== "models" && !ref.typeOnly)
        out.push(show(ref.specifier, "pi-ai value import outside models/"));
      continue;
    }
    if (!ref.specifier.startsWith(".")) continue;
    const target = path.resolve(path.dirname(file), ref.specifier);
    if (!target.startsWith(SRC)) continue;
    const to = partOf(target);
    if (from === undefined || to === undefined || from === to) {
      const a = channelOf(file);
      const b = channelOf(target);
      if (a !== undefined && b !== undefined && a !== b)
        out.push(show(ref.specifier, "channel imports another channel"));
      continue;
    }
    const fromLayer = LAYERS[from];
    const toLayer = LAYERS[to];
    if (fromLayer === undefined || toLayer === undefined) continue; // reported by the classification test
    if (toLayer > fromLayer)
      out.push(show(ref.specifier, `${from} (layer ${fromLayer}) imports ${to} (layer ${toLayer})`));
  }
  return out;
}

test("every folder under src/ has a layer", async () => {
  const parts = (await readdir(SRC, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const unknown = parts.filter((p) => LAYERS[p] === undefined);
  assert.deepEqual(
    unknown,
    [],
    `add these folders to LAYERS in test/layers.test.ts (DESIGN.md §3): ${unknown.join(", ")}`,
  );
});

test("no import points to a higher layer, across channels, or loads pi-ai outside models/", async () => {
  const violations: string[] = [];
  let relativeImports = 0;
  for (const file of await listTsFiles(SRC)) {
    const refs = importsOf(await readFile(file, "utf8"));
    relativeImports += refs.filter((r) => r.specifier.startsWith(".")).length;
    violations.push(...violationsOf(file, refs));
  }
  assert.ok(relativeImports > 100, `the scan found only ${relativeImports} relative imports`);
  assert.deepEqual(violations, [], `layer violations:\n${violations.join("\n")}`);
});

test("the scanner sees static, re-exported and dynamic imports, and tells type-only ones apart", () => {
  const refs = importsOf(
    [
      'import { a } from "./a.ts";',
      'import type { B } from "../b.ts";',
      'import {\n  c,\n  type D,\n} from "./c.ts";',
      'export { e } from "./e.ts";',
      'export type { F } from "./f.ts";',
      'export * from "./g.ts";',
      'import "./side-effect.ts";',
      'const h = await import("./h.ts");',
      'type I = typeof import("./i.ts");',
      '// import { j } from "./commented.ts";',
      '/** import("./doc.ts") */',
    ].join("\n"),
  );
  assert.deepEqual(refs, [
    { specifier: "./a.ts", typeOnly: false },
    { specifier: "../b.ts", typeOnly: true },
    { specifier: "./c.ts", typeOnly: false },
    { specifier: "./e.ts", typeOnly: false },
    { specifier: "./f.ts", typeOnly: true },
    { specifier: "./g.ts", typeOnly: false },
    { specifier: "./side-effect.ts", typeOnly: false },
    { specifier: "./h.ts", typeOnly: false },
    { specifier: "./i.ts", typeOnly: true },
  ]);
});

test("the rules catch an upward import, a cross-channel import and a pi-ai value import", () => {
  const at = (rel: string): string => path.join(SRC, rel);
  assert.deepEqual(
    violationsOf(at("sessions/store.ts"), [{ specifier: "../agents/run-loop.ts", typeOnly: true }]),
    ["sessions/store.ts -> ../agents/run-loop.ts (sessions (layer 1) imports agents (layer 2))"],
  );
  assert.equal(
    violationsOf(at("agents/x.ts"), [{ specifier: "../client/gateway-client.ts", typeOnly: false }]).length,
    1,
  );
  assert.deepEqual(
    violationsOf(at("cli/x.ts"), [{ specifier: "../client/gateway-client.ts", typeOnly: false }]),
    [],
  );
  assert.equal(
    violationsOf(at("channels/slack/a.ts"), [{ specifier: "../telegram/b.ts", typeOnly: false }]).length,
    1,
  );
  assert.deepEqual(
    violationsOf(at("channels/slack/a.ts"), [{ specifier: "../adapter.ts", typeOnly: false }]),
    [],
  );
  assert.equal(violationsOf(at("agents/x.ts"), [{ specifier: PI_AI, typeOnly: false }]).length, 1);
  assert.deepEqual(violationsOf(at("agents/x.ts"), [{ specifier: PI_AI, typeOnly: true }]), []);
  assert.deepEqual(violationsOf(at("models/x.ts"), [{ specifier: `${PI_AI}/api/x`, typeOnly: false }]), []);
});

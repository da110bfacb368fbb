import assert from "node:assert/strict";
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { checkAllowlist } from "../../src/tools/exec-approvals/allowlist-check.ts";
import { analyzeCommand, realDirs } from "../../src/tools/exec-approvals/command-analysis.ts";
import { matchesPathPattern } from "../../src/tools/exec-approvals/path-glob.ts";
import { parseShellWords } from "../../src/tools/exec-approvals/shell-words.ts";

describe("shell words", () => {
  test("quotes, escapes and operators", () => {
    const r = parseShellWords(`rg -n 'a b' "c\\"d" e\\ f && ls|wc -l; echo x || y & z`);
    assert.ok(r.ok);
    assert.deepEqual(
      r.segments.map((s) => s.map((w) => w.value)),
      [["rg", "-n", "a b", 'c"d', "e f"], ["ls"], ["wc", "-l"], ["echo", "x"], ["y"], ["z"]],
    );
  });

  test("assignments are recognized only when unquoted and leading", () => {
    const r = parseShellWords(`FOO=1 'BAR=2' baz=3`);
    assert.ok(r.ok);
    const [a, b, c] = r.segments[0]!;
    assert.deepEqual(a!.assignment, { name: "FOO", value: "1" });
    assert.equal(b!.assignment, undefined);
    assert.deepEqual(c!.assignment, { name: "baz", value: "3" });
  });

  test("globs and tildes make a word non-literal; quoting them does not", () => {
    const r = parseShellWords(`r? '*.md' ~/x {a,b} =ls`);
    assert.ok(r.ok);
    assert.deepEqual(
      r.segments[0]!.map((w) => w.literal),
      [false, true, false, false, false],
    );
  });

  for (const bad of [
    "ls $(evil)",
    "ls `evil`",
    'echo "$(evil)"',
    'echo "`evil`"',
    "echo $HOME",
    "ls > out",
    "cat < in",
    "cat <<EOF",
    "diff <(ls) <(ls)",
    "(evil)",
    "ls 'unbalanced",
    'ls "unbalanced',
    "ls \\",
    "| evil",
    "ls ;; evil",
    "ls |& evil",
    "ls && ",
    "ls # comment",
    "",
  ]) {
    test(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(parseShellWords(bad).ok, false);
    });
  }
});

describe("path globs", () => {
  test("case-insensitive, * within a segment, ** across, ~ expanded, basenames ignored", () => {
    assert.ok(matchesPathPattern("/usr/bin/rg", "/usr/bin/rg", "/h"));
    assert.ok(matchesPathPattern("/USR/bin/RG", "/usr/bin/rg", "/h"));
    assert.ok(matchesPathPattern("/usr/*/rg", "/usr/bin/rg", "/h"));
    assert.ok(!matchesPathPattern("/usr/*/rg", "/usr/local/bin/rg", "/h"));
    assert.ok(matchesPathPattern("/usr/**/rg", "/usr/local/bin/rg", "/h"));
    assert.ok(matchesPathPattern("~/Projects/**/bin/rg", "/h/Projects/x/bin/rg", "/h"));
    assert.ok(matchesPathPattern("~/Projects/**/bin/rg", "/h/Projects/bin/rg", "/h"));
    assert.ok(!matchesPathPattern("rg", "/usr/bin/rg", "/h"), "basename-only patterns never match");
    assert.ok(!matchesPathPattern("/usr/bin/r.", "/usr/bin/rg", "/h"), "regex characters are literal");
  });
});

describe("allowlist over resolved programs", () => {
  let root: string;
  let bin: string;
  let ws: string;
  let trusted: string;
  let pathEnv: string;
  const script = "#!/bin/sh\nexit 0\n";

  async function exe(file: string): Promise<void> {
    await writeFile(file, script);
    await chmod(file, 0o755);
  }

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "exec-allow-"));
    bin = path.join(root, "bin");
    ws = path.join(root, "ws");
    trusted = path.join(root, "trusted");
    for (const d of [bin, ws, trusted]) await mkdir(d);
    await exe(path.join(bin, "rg"));
    await exe(path.join(bin, "evil"));
    // A multi-call binary in a trusted dir (stands in for /bin/busybox).
    await exe(path.join(trusted, "busybox"));
    // Named like allowed programs, in the workspace: a copy, a symlink to evil, a fake wrapper.
    await copyFile(path.join(bin, "rg"), path.join(ws, "rg"));
    await chmod(path.join(ws, "rg"), 0o755);
    await mkdir(path.join(ws, "link"));
    await symlink(path.join(bin, "evil"), path.join(ws, "link", "rg"));
    await exe(path.join(ws, "env"));
    pathEnv = `${bin}:${trusted}:/usr/bin:/bin`;
  });
  after(() => rm(root, { recursive: true, force: true }));

  async function allowed(
    command: string,
    opts: { allowlist?: string[]; safeBins?: string[]; shell?: string } = {},
  ): Promise<boolean> {
    const trustedDirs = [...(await realDirs(["/bin", "/usr/bin", trusted]))];
    const analysis = await analyzeCommand(command, {
      cwd: ws,
      pathEnv,
      trustedDirs,
      shell: opts.shell ?? "bash",
    });
    const check = checkAllowlist(analysis, {
      allowlist: (opts.allowlist ?? [path.join(bin, "rg"), "/usr/bin/ls"]).map((pattern) => ({ pattern })),
      safeBins: opts.safeBins ?? [],
      trustedDirs,
      home: root,
    });
    return check.satisfied;
  }

  for (const command of [
    "rg foo",
    "ls -la *.md",
    "rg a && ls",
    "ls | rg x",
    "rg a; ls",
    "env FOO=1 rg x",
    "/usr/bin/env rg x",
    "env -i -u HOME rg x",
    "nice -n 5 rg x",
    "nice rg x",
    "timeout 5 rg x",
    "timeout -s KILL -k 2 5s rg x",
    "nohup rg x",
    "stdbuf -oL rg x",
    "sh -c 'rg x'",
    'bash -c "ls; rg x"',
    "FOO=bar rg",
    "busybox sh -c rg",
    "time rg x",
    "command rg x",
    "exec rg x",
    "'rg' x",
    "rg '*.md'",
    "FOO=1",
  ]) {
    test(`allowlisted: ${command}`, async () => {
      assert.equal(await allowed(command), true);
    });
  }

  for (const command of [
    "evil",
    "env FOO=1 evil",
    "/usr/bin/env evil",
    "env -S evil",
    "env -C /tmp rg",
    "env PATH=/tmp rg",
    "nice -n 5 evil",
    "nice -5 evil",
    "timeout 5 evil",
    "timeout --signal=KILL 5 evil",
    "nohup evil",
    "stdbuf -oL evil",
    "sh -c 'evil'",
    'bash -c "ls; evil"',
    "sh -c 'sh -c evil'",
    "bash -c 'FOO=1 evil'",
    "sh -l -c rg",
    "busybox sh -c evil",
    "busybox evil",
    "busybox rg",
    "FOO=bar evil",
    "PATH=/tmp rg",
    "LD_PRELOAD=/tmp/x.so ls",
    "BASH_ENV=/tmp/x rg",
    "ls && evil",
    "ls || evil",
    "ls | evil",
    "ls; evil",
    "ls & evil",
    "ls\nevil",
    "$(evil)",
    "`evil`",
    "rg $(evil)",
    "ls > out",
    "time evil",
    "command evil",
    "exec evil",
    "eval evil",
    "source ./x",
    ". ./x",
    "cd /tmp && ./rg",
    "export PATH=/tmp; rg",
    "read PATH; rg",
    "if rg; then evil; fi",
    "'eval' evil",
    "\\cd /tmp && ./rg",
    "printf -v PATH /tmp; rg",
    "compgen -C evil x",
    "./rg",
    "link/rg",
    "./env rg",
    "r?",
    "/usr/bin/l*",
    "{evil,}",
    "\\evil",
    "nosuchprogram",
  ]) {
    test(`refused: ${JSON.stringify(command)}`, async () => {
      assert.equal(await allowed(command), false);
    });
  }

  test("a symlink named like an allowed binary is matched by its target, even under a broad pattern", async () => {
    assert.equal(await allowed("link/rg", { allowlist: [`${root}/**/rg`] }), false);
    assert.equal(
      await allowed("./rg", { allowlist: [`${root}/**/rg`] }),
      true,
      "a real file under it passes",
    );
  });

  test("builtins that run code or rewrite lookups are refused even when a same-named binary is allowlisted", async () => {
    const shadow = path.join(root, "shadow");
    await mkdir(shadow, { recursive: true });
    for (const name of ["eval", "cd", "export", "printf", "compgen", "command", "time"])
      await exe(path.join(shadow, name));
    const opts = { allowlist: [`${shadow}/*`, path.join(bin, "rg")] };
    const withShadow = async (command: string): Promise<boolean> => {
      const saved = pathEnv;
      pathEnv = `${shadow}:${saved}`;
      try {
        return await allowed(command, opts);
      } finally {
        pathEnv = saved;
      }
    };
    assert.equal(await withShadow("printf x"), true, "the shadow binaries are allowlisted");
    for (const command of [
      "eval evil",
      "'eval' evil",
      "\\cd /tmp && ./rg",
      "export PATH=/tmp; rg",
      "printf -v PATH /tmp; rg",
      "compgen -C evil x",
      "command evil",
      "time evil",
    ]) {
      assert.equal(await withShadow(command), false, command);
    }
  });

  test("allowlisting busybox or env itself is not a blanket for what they run", async () => {
    assert.equal(await allowed("busybox evil", { allowlist: [path.join(trusted, "busybox")] }), false);
    assert.equal(await allowed("env evil", { allowlist: ["/usr/bin/env"] }), false);
    assert.equal(await allowed("env", { allowlist: ["/usr/bin/env"] }), true, "env alone runs env");
  });

  test("time is a program, not a keyword, under sh (dash)", async () => {
    // No /usr/bin/time on this host: under dash `time rg` would be a lookup of `time`.
    const hasTime = await analyzeCommand("time rg", {
      cwd: ws,
      pathEnv,
      trustedDirs: ["/usr/bin"],
      shell: "dash",
    });
    if (hasTime.ok) assert.equal(hasTime.programs[0]!.argv[0], "rg");
    else assert.match(hasTime.reason, /time/);
  });

  test("safe bins pass without entries only while stdin-only", async () => {
    const safe = { allowlist: ["/usr/bin/ls"], safeBins: ["wc", "grep"] };
    assert.equal(await allowed("ls | wc -l", safe), true);
    assert.equal(await allowed("ls | grep foo", safe), true);
    assert.equal(await allowed("wc -l /etc/passwd", safe), false);
    assert.equal(await allowed("grep foo notes.txt", safe), false);
    assert.equal(await allowed("grep -r foo", safe), false);
    assert.equal(await allowed("grep -f patterns", safe), false);
    assert.equal(await allowed("ls | wc -l", { allowlist: ["/usr/bin/ls"] }), false, "not listed: no pass");
  });
});

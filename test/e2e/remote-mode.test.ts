import assert from "node:assert/strict";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type CliResult,
  createTestHome,
  disposeGateway,
  runCli,
  type SpawnedGateway,
  spawnGateway,
  type TestHome,
} from "../harness/gateway.ts";

function json<T>(r: CliResult): T {
  assert.equal(r.code, 0, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * Puts programs named like a desktop's clipboard tool and URL opener on PATH; each records what it
 * was given, so the test sees exactly what a real desktop would have received.
 */
async function fakeDesktop(
  home: TestHome,
): Promise<{ env: NodeJS.ProcessEnv; copied(): Promise<string>; opened(): Promise<string> }> {
  const bin = path.join(home.root, "bin");
  await mkdir(bin, { recursive: true });
  const copiedFile = path.join(home.root, "copied.txt");
  const openedFile = path.join(home.root, "opened.txt");
  await writeFile(path.join(bin, "xclip"), `#!/bin/sh\ncat > "${copiedFile}"\n`);
  await writeFile(path.join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s' "$1" > "${openedFile}"\n`);
  await chmod(path.join(bin, "xclip"), 0o755);
  await chmod(path.join(bin, "xdg-open"), 0o755);
  return {
    env: { ...home.env, PATH: `${bin}${path.delimiter}${home.env["PATH"] ?? ""}` },
    copied: () => readFile(copiedFile, "utf8"),
    opened: () => readFile(openedFile, "utf8"),
  };
}

interface DashboardJson {
  url: string;
  copied: boolean;
  opened: boolean;
  hint?: string;
}

describe("openclaw dashboard", () => {
  test("puts the token in the fragment, copies the link and opens it on a desktop", async (t) => {
    const home = await createTestHome({
      config: { gateway: { port: 18999, auth: { token: "tok-dash" }, controlUi: { basePath: "/ui" } } },
    });
    t.after(() => home.cleanup());
    const desktop = await fakeDesktop(home);
    const out = json<DashboardJson>(
      await runCli(["dashboard", "--json"], { ...desktop.env, DISPLAY: ":0", SSH_CONNECTION: "" }),
    );
    assert.equal(out.url, "http://127.0.0.1:18999/ui/#token=tok-dash");
    assert.ok(!out.url.includes("?"), "never in the query string");
    assert.deepEqual([out.copied, out.opened], [true, true]);
    assert.equal(await desktop.copied(), out.url);
    assert.equal(await desktop.opened(), out.url);
  });

  test("on a headless host it prints an SSH tunnel hint instead of opening", async (t) => {
    const home = await createTestHome({ config: { gateway: { port: 18998, auth: { token: "tok-ssh" } } } });
    t.after(() => home.cleanup());
    const desktop = await fakeDesktop(home);
    const env = { ...desktop.env };
    delete env["DISPLAY"];
    delete env["WAYLAND_DISPLAY"];
    const r = await runCli(["dashboard", "--no-copy"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Dashboard URL: http:\/\/127\.0\.0\.1:18998\/#token=tok-ssh/);
    assert.match(r.stdout, /ssh -N -L 18998:127\.0\.0\.1:18998 \S+@\S+/);
    await assert.rejects(desktop.opened(), "no opener ran");
    await assert.rejects(desktop.copied(), "--no-copy copies nothing");
  });

  test("a password is never put in the link", async (t) => {
    const home = await createTestHome({
      config: { gateway: { auth: { mode: "password", password: "pw-secret" } } },
    });
    t.after(() => home.cleanup());
    const out = json<DashboardJson>(
      await runCli(["dashboard", "--json", "--no-open", "--no-copy"], home.env),
    );
    assert.equal(out.url, "http://127.0.0.1:18789/");
  });
});

describe("remote mode", () => {
  let gw: SpawnedGateway;
  let remoteHome: TestHome;

  before(async () => {
    gw = await spawnGateway({ config: { gateway: { auth: { token: "remote-tok" } } } });
    remoteHome = await createTestHome({
      config: { gateway: { mode: "remote", remote: { url: gw.wsUrl, token: "remote-tok" } } },
    });
  });
  after(async () => {
    await disposeGateway(gw);
    await remoteHome.cleanup();
  });

  test("every command talks to gateway.remote, and gateway status says so", async () => {
    const health = json<{ ok: boolean }>(await runCli(["health", "--json"], remoteHome.env));
    assert.equal(health.ok, true);
    const status = json<{ mode: string; probeTarget: string; rpcProbe: string; auth: string }>(
      await runCli(["gateway", "status", "--json"], remoteHome.env),
    );
    assert.deepEqual(
      { mode: status.mode, probeTarget: status.probeTarget, rpcProbe: status.rpcProbe, auth: status.auth },
      { mode: "remote", probeTarget: gw.wsUrl, rpcProbe: "ok", auth: "ok" },
    );
    const human = await runCli(["gateway", "status"], remoteHome.env);
    assert.match(human.stdout, new RegExp(`Probe target: ${gw.wsUrl} \\(gateway.remote\\)`));
    assert.match(human.stdout, /Auth: ok/);
  });

  test("a wrong remote token shows as an auth failure, and --token overrides it", async (t) => {
    const wrong = await createTestHome({
      config: { gateway: { mode: "remote", remote: { url: gw.wsUrl, token: "not-the-token" } } },
    });
    t.after(() => wrong.cleanup());
    const r = await runCli(["gateway", "status", "--json"], wrong.env);
    assert.equal(r.code, 1);
    const status = JSON.parse(r.stdout) as { rpcProbe: string; auth: string; lastGatewayError: string };
    assert.equal(status.rpcProbe, "failed");
    assert.match(status.auth, /^failed \(/);
    assert.match(status.lastGatewayError, /unauthorized|token/i);
    const fixed = json<{ ok: boolean }>(
      await runCli(["health", "--json", "--token", "remote-tok"], wrong.env),
    );
    assert.equal(fixed.ok, true);
  });

  test("--url with --token reaches a gateway from a machine with no config", async (t) => {
    const bare = await createTestHome();
    t.after(() => bare.cleanup());
    const health = json<{ ok: boolean }>(
      await runCli(["health", "--json", "--url", gw.wsUrl, "--token", "remote-tok"], bare.env),
    );
    assert.equal(health.ok, true);
  });

  test("the dashboard link points at the remote gateway with the remote token", async () => {
    const out = json<DashboardJson>(
      await runCli(["dashboard", "--json", "--no-open", "--no-copy"], remoteHome.env),
    );
    assert.equal(out.url, `${gw.httpUrl.replace(/\/?$/, "/")}#token=remote-tok`);
  });
});

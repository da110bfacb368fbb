// The Control UI's WebChat driven in a real browser (Debian's Chromium) against a spawned
// gateway and a fake OpenAI server: WEB-2…WEB-5 and SEC-14, as the user sees them.
// Needs `npm run build:ui` (the `prepare` script) and /usr/bin/chromium; CI installs both.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

const SETTINGS_KEY = "openclaw.control.settings.v1";
const LEGACY_TOKEN_KEY = "openclaw.gateway.token";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function customProvider(baseUrl: string) {
  return {
    models: {
      providers: { fake: { baseUrl, api: "openai-completions", apiKey: "sk-test", models: [{ id: "m1" }] } },
    },
    agents: { defaults: { model: { primary: "fake/m1" } } },
  };
}

interface BrowserPage {
  page: Page;
  /** Uncaught exceptions in the page; every test ends by asserting there were none. */
  errors: Error[];
}

/** A fresh browser and context for one test, closed after it. */
async function openPage(t: TestContext, contextOptions: BrowserContextOptions = {}): Promise<BrowserPage> {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on("pageerror", (err) => errors.push(err));
  return { page, errors };
}

async function startGateway(t: TestContext, config?: unknown): Promise<SpawnedGateway> {
  const gw = await spawnGateway(config === undefined ? {} : { config });
  t.after(() => disposeGateway(gw));
  assert.ok(gw.token, "the gateway generated a token and printed it in the Control UI link");
  return gw;
}

/** The link the gateway printed on start, `http://127.0.0.1:<port>/#token=<t>`. */
async function printedLink(gw: SpawnedGateway): Promise<string> {
  const line = await gw.waitForOutput(/Control UI: \S+/);
  const link = line.slice("Control UI: ".length);
  assert.match(link, /#token=/);
  return link;
}

function status(page: Page, state: "connecting" | "connected" | "disconnected", hasText?: string | RegExp) {
  return page.locator(`[data-testid=status][data-state=${state}]`, hasText ? { hasText } : {});
}

function message(page: Page, role: "user" | "assistant" | "error", hasText?: string) {
  return page.locator(`[data-testid=message][data-role=${role}]`, hasText ? { hasText } : {});
}

async function storedSettings(page: Page): Promise<{ settings: unknown; legacy: string | null }> {
  const [raw, legacy] = await page.evaluate(
    ([settingsKey, legacyKey]) => [localStorage.getItem(settingsKey), localStorage.getItem(legacyKey)],
    [SETTINGS_KEY, LEGACY_TOKEN_KEY] as const,
  );
  return { settings: raw === null ? null : JSON.parse(raw), legacy };
}

/**
 * Waits until the assistant's reply is on screen while still streaming (it shows a
 * cursor) and returns its text so far. Read in one pass inside the page, on every
 * animation frame, so the text and the cursor come from the same render.
 */
async function streamingText(page: Page): Promise<string> {
  const handle = await page.waitForFunction(
    () => {
      const find = (root: Document | ShadowRoot): string | undefined => {
        const cursor = root.querySelector("[data-role=assistant] .cursor");
        if (cursor) return cursor.parentElement?.textContent ?? "";
        for (const el of root.querySelectorAll("*")) {
          const hit = el.shadowRoot ? find(el.shadowRoot) : undefined;
          if (hit !== undefined) return hit;
        }
        return undefined;
      };
      return find(document) || undefined;
    },
    undefined,
    { polling: "raf" },
  );
  return (await handle.jsonValue()) ?? "";
}

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId("composer");
  await composer.fill(text);
  await composer.press("Enter");
}

test("the printed link connects, a message streams the model's answer, and a reload restores both from chat.history", async (t) => {
  const reply = "Herons wade in shallow water to hunt fish.";
  const llm = await startFakeOpenAI();
  t.after(() => llm.close());
  // Paced, so the half-written answer is on screen for a while.
  llm.setDefault({ kind: "slow", text: reply, delayMsPerChunk: 250 });
  const gw = await startGateway(t, customProvider(llm.baseUrl));
  const { page, errors } = await openPage(t);

  await page.goto(await printedLink(gw));
  await status(page, "connected").waitFor();
  // SEC-14: the token left the address bar and lives in the UI's settings (WEB-2).
  assert.doesNotMatch(page.url(), /token/);
  assert.deepEqual((await storedSettings(page)).settings, { token: gw.token });

  await send(page, "Where do herons live?");
  await message(page, "user", "Where do herons live?").waitFor();
  const partial = (await streamingText(page)).trim();
  assert.ok(
    partial.length > 0 && partial.length < reply.length && reply.startsWith(partial),
    `a part of the answer shows while it streams, got ${JSON.stringify(partial)}`,
  );
  await message(page, "assistant", reply).waitFor();
  await page.getByTestId("stop").waitFor({ state: "detached" });
  assert.equal(await page.locator("[data-role=assistant] .cursor").count(), 0, "the answer is complete");
  assert.match(llm.lastRequestText(), /Where do herons live\?/);

  await page.reload();
  assert.doesNotMatch(page.url(), /#/);
  await status(page, "connected").waitFor(); // with the token from storage
  await message(page, "assistant", reply).waitFor();
  const roles = await page.getByTestId("message").evaluateAll((rows) => rows.map((r) => r.dataset["role"]));
  assert.deepEqual(roles, ["user", "assistant"]);
  await message(page, "user", "Where do herons live?").waitFor();
  assert.deepEqual(errors, []);
});

test("without any model credentials a message ends in a clear error, not a hang", async (t) => {
  // No config: the default model is anthropic/claude-opus-4-6, and the test env has no ANTHROPIC_API_KEY.
  const gw = await startGateway(t);
  const { page, errors } = await openPage(t);

  await page.goto(await printedLink(gw));
  await status(page, "connected").waitFor();
  await send(page, "Hello?");

  await message(page, "user", "Hello?").waitFor();
  await message(page, "error", 'No API key found for provider "anthropic"').waitFor();
  await page.getByTestId("stop").waitFor({ state: "detached" });
  await page.getByTestId("composer").fill("again");
  await page.locator("[data-testid=send]:enabled").waitFor(); // the composer can send again
  assert.deepEqual(errors, []);
});

test("a wrong token shows unauthorized and the token form; the right token then connects", async (t) => {
  const gw = await startGateway(t);
  const { page, errors } = await openPage(t);

  await page.goto(`${gw.httpUrl}#token=wrong`);
  await status(page, "disconnected", "unauthorized").waitFor();
  const form = page.getByTestId("token-form");
  await form.getByRole("alert").filter({ hasText: "unauthorized: gateway token mismatch" }).waitFor();
  // WEB-3: it waits for a new token instead of retrying the refused one.
  assert.doesNotMatch((await page.getByTestId("status").textContent()) ?? "", /retrying/);
  assert.doesNotMatch(page.url(), /token/);

  await page.getByTestId("token-input").fill(gw.token!);
  await page.getByTestId("token-submit").click();
  await status(page, "connected").waitFor();
  await form.waitFor({ state: "detached" });
  assert.deepEqual((await storedSettings(page)).settings, { token: gw.token });
  assert.deepEqual(errors, []);
});

test("Stop ends a streaming run, and the next message still gets an answer", async (t) => {
  const words = Array.from({ length: 40 }, (_, i) => `word${i + 1}`);
  const llm = await startFakeOpenAI();
  t.after(() => llm.close());
  // About 10 s if nobody stops it; the test stops it after the first words.
  llm.enqueue({ kind: "slow", text: `${words.join(" ")} THE-END`, delayMsPerChunk: 250 });
  llm.setDefault({ kind: "text", text: "Still here." });
  const gw = await startGateway(t, customProvider(llm.baseUrl));
  const { page, errors } = await openPage(t);

  await page.goto(await printedLink(gw));
  await status(page, "connected").waitFor();
  await send(page, "Count slowly.");
  await streamingText(page);
  await page.getByTestId("stop").click();

  await page.getByTestId("stop").waitFor({ state: "detached" });
  await page.locator("[data-role=assistant] .cursor").waitFor({ state: "detached" });
  assert.equal(await message(page, "assistant", "THE-END").count(), 0, "the run stopped before its end");

  await send(page, "Are you still there?");
  await message(page, "user", "Are you still there?").waitFor();
  await message(page, "assistant", "Still here.").waitFor();
  await page.getByTestId("stop").waitFor({ state: "detached" });
  assert.match(llm.lastRequestText(), /Are you still there\?/);
  assert.deepEqual(errors, []);
});

test("a token saved under the old storage key is moved to the settings and used", async (t) => {
  const gw = await startGateway(t);
  const { page, errors } = await openPage(t, {
    storageState: {
      cookies: [],
      origins: [
        {
          origin: gw.httpUrl.replace(/\/$/, ""),
          localStorage: [{ name: LEGACY_TOKEN_KEY, value: gw.token! }],
        },
      ],
    },
  });

  await page.goto(gw.httpUrl);
  await status(page, "connected").waitFor();
  assert.deepEqual(await storedSettings(page), { settings: { token: gw.token }, legacy: null });
  assert.deepEqual(errors, []);
});

test("a dropped socket shows 'Disconnected from gateway: no reason' with the close code, then reconnects", async (t) => {
  const first = await spawnGateway();
  let second: SpawnedGateway | undefined;
  t.after(async () => {
    await first.stop();
    if (second) await disposeGateway(second);
    else await first.home.cleanup();
  });
  const { page, errors } = await openPage(t);

  await page.goto(await printedLink(first));
  await status(page, "connected").waitFor();
  await first.kill9(); // no close frame: the browser reports 1006 with an empty reason

  // WEB-4: the notice names the close code and says when it retries.
  await status(
    page,
    "disconnected",
    /Disconnected from gateway: no reason \(code 1006\) · retrying in \d+ s/,
  ).waitFor();

  // Same state dir and port: the gateway reuses its generated token, and the UI's backoff finds it.
  second = await spawnGateway({ home: first.home, port: first.port });
  await status(page, "connected").waitFor();
  assert.deepEqual(errors, []);
});

test("a gateway address in the link's query or fragment is never connected to, nor sent the stored token", async (t) => {
  const { WebSocketServer } = await import("ws");
  const attacker = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  t.after(() => new Promise<void>((resolve) => attacker.close(() => resolve())));
  const seen: string[] = [];
  attacker.on("connection", (socket, req) => {
    seen.push(req.url ?? "/");
    socket.on("message", (data) => seen.push(String(data)));
  });
  await new Promise((resolve) => attacker.once("listening", resolve));
  const port = (attacker.address() as { port: number }).port;
  const evil = encodeURIComponent(`ws://127.0.0.1:${port}`);
  const gw = await startGateway(t);
  const { page, errors } = await openPage(t, {
    storageState: {
      cookies: [],
      origins: [
        {
          origin: gw.httpUrl.replace(/\/$/, ""),
          localStorage: [{ name: SETTINGS_KEY, value: JSON.stringify({ token: gw.token }) }],
        },
      ],
    },
  });

  for (const link of [
    `?gatewayUrl=${evil}`,
    `#gatewayUrl=${evil}`,
    `?url=${evil}&token=x`,
    `?gateway=${evil}`,
  ]) {
    await page.goto(`${gw.httpUrl}${link}`);
    await status(page, "connected").waitFor(); // to its own gateway, with the stored token
  }
  assert.deepEqual(seen, [], "the page never opened a socket to the address in its link");
  assert.deepEqual(errors, []);
});

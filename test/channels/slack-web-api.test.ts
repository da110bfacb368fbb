import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { z } from "zod";
import { SlackApiError, SlackHttpError } from "../../src/channels/slack/errors.ts";
import { retryAfterMs, retryBackoffMs, SlackWebClient } from "../../src/channels/slack/web-api.ts";
import type { Logger } from "../../src/infra/logger.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

/** A Web API root whose answers the test scripts, one per request; it records what it got. */
async function scriptedSlack(
  t: { after(fn: () => unknown): void },
  answers: ((res: ServerResponse) => void)[],
) {
  const seen: { path: string; auth: string | undefined; body: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      seen.push({ path: req.url ?? "", auth: req.headers.authorization, body });
      const answer = answers.shift();
      if (answer) answer(res);
      // no scripted answer: hang, as a stuck Slack would
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return { apiUrl, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

const Posted = z.looseObject({ ts: z.string() });

test("a 429 waits Retry-After, a 5xx backs off, then the answer is parsed", async (t) => {
  const slack = await scriptedSlack(t, [
    json(429, { ok: false, error: "ratelimited" }, { "retry-after": "0" }),
    json(503, {}),
    json(200, { ok: true, ts: "1700000000.000100" }),
  ]);
  const client = new SlackWebClient({
    token: "xoxb-1",
    apiUrl: slack.apiUrl,
    timeoutMs: 2000,
    retries: 4,
    log: quiet,
  });
  const out = await client.call(
    "chat.postMessage",
    { channel: "C1", text: "hi" },
    Posted,
    new AbortController().signal,
  );
  assert.equal(out.ts, "1700000000.000100");
  assert.equal(slack.seen.length, 3);
  assert.deepEqual(
    slack.seen.map((s) => [s.path, s.auth]),
    Array(3).fill(["/api/chat.postMessage", "Bearer xoxb-1"]),
  );
  assert.equal(new URLSearchParams(slack.seen[0]!.body).get("text"), "hi");
});

test("{ok:false} is a SlackApiError with Slack's code, not retried", async (t) => {
  const slack = await scriptedSlack(t, [json(200, { ok: false, error: "channel_not_found" })]);
  const client = new SlackWebClient({
    token: "xoxb-1",
    apiUrl: slack.apiUrl,
    timeoutMs: 2000,
    retries: 4,
    log: quiet,
  });
  await assert.rejects(
    client.call("chat.postMessage", { channel: "C404", text: "x" }, Posted, new AbortController().signal),
    (err: unknown) => err instanceof SlackApiError && err.error === "channel_not_found",
  );
  assert.equal(slack.seen.length, 1);
});

test("a call that timed out is not sent again: it may have been carried out", async (t) => {
  const slack = await scriptedSlack(t, []); // never answers
  const client = new SlackWebClient({
    token: "xoxb-1",
    apiUrl: slack.apiUrl,
    timeoutMs: 200,
    retries: 4,
    log: quiet,
  });
  await assert.rejects(
    client.call("chat.postMessage", { channel: "C1", text: "once" }, Posted, new AbortController().signal),
    (err: unknown) => err instanceof SlackHttpError && /no answer within 200 ms/.test(err.message),
  );
  assert.equal(slack.seen.length, 1);
});

test("retry delays: Retry-After in seconds, capped at a minute; backoff doubles up to 10 s", () => {
  assert.equal(retryAfterMs("3"), 3000);
  assert.equal(retryAfterMs("3600"), 60_000);
  assert.equal(retryAfterMs(null), 1000);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 9].map(retryBackoffMs), [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
});

import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { collectEvents } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient } from "../harness/gateway.ts";

function config(baseUrl: string) {
  return fakeModelConfig(baseUrl, {
    apiKey: "sk-test-key",
    models: [{ id: "vision", name: "Vision", input: ["text", "image"] }],
    defaults: { mediaMaxMb: 1 },
  });
}

test("chat.send attachments: an image reaches the model; a file over mediaMaxMb is refused", async (t) => {
  const llm = await startFakeOpenAI({ reply: "A square." });
  const { client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  const chat = collectEvents(client, "chat");
  const image = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: "#00aa00" } })
    .png()
    .toBuffer();

  const ack = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "what shape?",
    attachments: [
      { type: "image", mimeType: "image/png", fileName: "shape.png", content: image.toString("base64") },
    ],
    idempotencyKey: "a1",
  });
  await chat.until((p) => p["runId"] === ack.runId && p["state"] === "final");
  const messages = llm.requests.at(-1)!.body.messages as { role: string; content: unknown }[];
  const parts = messages.filter((m) => m.role === "user").at(-1)!.content as {
    type: string;
    image_url?: { url: string };
  }[];
  const url = parts.find((p) => p.type === "image_url")?.image_url?.url ?? "";
  const meta = await sharp(Buffer.from(url.replace(/^data:[^,]+,/, ""), "base64")).metadata();
  assert.deepEqual([meta.width, meta.height], [1200, 1200]);

  await assert.rejects(
    client.request("chat.send", {
      sessionKey: "main",
      message: "and this?",
      attachments: [
        {
          mimeType: "application/pdf",
          fileName: "big.pdf",
          content: Buffer.alloc(1_200_000).toString("base64"),
        },
      ],
      idempotencyKey: "a2",
    }),
    (err: Error & { code?: string }) =>
      err.code === "INVALID_REQUEST" &&
      /big\.pdf is 1\.1 MB, over the 1 MB limit \(agents\.defaults\.mediaMaxMb\)/.test(err.message),
  );
  await assert.rejects(
    client.request("chat.send", {
      sessionKey: "main",
      message: "x",
      attachments: [{ content: "abc" }],
      idempotencyKey: "a3",
    }),
    (err: Error & { code?: string }) => err.code === "INVALID_REQUEST",
  );
});

test("a MEDIA: answer reaches WebChat with the line removed and the picture inlined", async (t) => {
  const llm = await startFakeOpenAI({ reply: "Your chart:\nMEDIA:./dot.png\nMEDIA:./missing.png" });
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  const workspace = path.join(gw.home.stateDir, "workspace");
  await mkdir(workspace, { recursive: true });
  const dot = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } })
    .png()
    .toBuffer();
  await writeFile(path.join(workspace, "dot.png"), dot);
  const chat = collectEvents(client, "chat");

  const ack = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "chart?",
    idempotencyKey: "m1",
  });
  const final = await chat.until((p) => p["runId"] === ack.runId && p["state"] === "final");
  const content = (final["message"] as { content: Record<string, unknown>[] }).content;
  assert.equal(content[0]?.["type"], "text");
  assert.equal(content[0]?.["text"], "Your chart:\n⚠️ missing.png: ./missing.png: no such file");
  assert.deepEqual(content[1], { type: "image", data: dot.toString("base64"), mimeType: "image/png" });
});

import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.ts";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

const USER = 42;

function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#3366cc" } })
    .png()
    .toBuffer();
}

interface Setup {
  tg: FakeTelegram;
  llm: FakeLlm;
  gw: SpawnedGateway;
}

async function setup(
  t: { after(fn: () => unknown): void },
  opts: { telegram?: Record<string, unknown>; defaults?: Record<string, unknown>; reply?: string } = {},
): Promise<Setup> {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI({ reply: opts.reply ?? "ok" });
  const gw = await spawnGateway({
    config: {
      models: {
        providers: {
          fake: {
            baseUrl: llm.baseUrl,
            api: "openai-completions",
            apiKey: "sk-test-key",
            models: [
              { id: "text-only", name: "Text only", input: ["text"] },
              { id: "vision", name: "Vision", input: ["text", "image"] },
            ],
          },
        },
      },
      agents: { defaults: { model: { primary: "fake/vision" }, ...opts.defaults } },
      channels: {
        telegram: {
          botToken: tg.token,
          apiRoot: tg.apiRoot,
          dmPolicy: "allowlist",
          allowFrom: [String(USER)],
          ...opts.telegram,
        },
      },
    },
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([tg.close(), llm.close()]);
  });
  return { tg, llm, gw };
}

interface ChatMessage {
  role: string;
  content: string | { type: string; text?: string; image_url?: { url: string } }[];
}

/** The last user message of a Chat Completions request. */
function lastUserMessage(body: { messages: ChatMessage[] }): ChatMessage {
  const user = body.messages.filter((m) => m.role === "user").at(-1);
  assert.ok(user, "a user message");
  return user;
}

function imagesOf(msg: ChatMessage): string[] {
  if (typeof msg.content === "string") return [];
  return msg.content.flatMap((p) => (p.type === "image_url" && p.image_url ? [p.image_url.url] : []));
}

function textOf(msg: ChatMessage): string {
  if (typeof msg.content === "string") return msg.content;
  return msg.content.flatMap((p) => (p.type === "text" && p.text ? [p.text] : [])).join("\n");
}

test("a Telegram photo reaches the model as image content, scaled to imageMaxDimensionPx", async (t) => {
  const { tg, llm, gw } = await setup(t, { reply: "A blue rectangle." });
  tg.userSends({ fromId: USER, chatId: USER, text: "what is this?", photo: { data: await png(2400, 1200) } });
  const answer = await tg.nextBotMessage({ chatId: USER });
  assert.equal(answer.text, "A blue rectangle.");

  const user = lastUserMessage(llm.requests.at(-1)!.body);
  assert.match(textOf(user), /what is this\?/);
  const [url] = imagesOf(user);
  assert.ok(url, "the request carries the image");
  const m = /^data:(image\/\w+);base64,(.+)$/.exec(url);
  assert.ok(m, url.slice(0, 40));
  const meta = await sharp(Buffer.from(m[2]!, "base64")).metadata();
  assert.deepEqual([meta.width, meta.height], [1200, 600], "agents.defaults.imageMaxDimensionPx 1200");
  // The original is kept under the state dir for tools.
  const saved = await readdir(path.join(gw.home.stateDir, "media", "inbound", "telegram"));
  assert.equal(saved.length, 1);
});

test("a document over channels.telegram.mediaMaxMb still reaches the agent, with a note", async (t) => {
  const { tg, llm } = await setup(t, { telegram: { mediaMaxMb: 1 } });
  tg.userSends({
    fromId: USER,
    chatId: USER,
    text: "see attached",
    document: { data: Buffer.alloc(1_500_000, 7), fileName: "big.bin", mimeType: "application/octet-stream" },
  });
  await tg.nextBotMessage({ chatId: USER });
  const text = textOf(lastUserMessage(llm.requests.at(-1)!.body));
  assert.match(text, /see attached/);
  assert.match(
    text,
    /big\.bin was not downloaded: the file is 1\.4 MB, over the 1 MB limit \(channels\.telegram\.mediaMaxMb\)/,
  );
  // Telegram announced the size: the file was refused without a download.
  assert.equal(
    tg.calls.some((c) => c.method === "getFile"),
    false,
  );
});

test("MEDIA: in a reply is sent as a photo, scaled to 2048 px, and removed from the text", async (t) => {
  const { tg, gw } = await setup(t, { reply: "Here is the chart.\nMEDIA:./chart.png" });
  const workspace = path.join(gw.home.stateDir, "workspace");
  await mkdir(workspace, { recursive: true });
  const original = await png(3000, 1500);
  await writeFile(path.join(workspace, "chart.png"), original);

  tg.userSends({ fromId: USER, chatId: USER, text: "chart please" });
  const text = await tg.nextBotMessage({ chatId: USER });
  assert.equal(text.text, "Here is the chart.");
  assert.equal(text.file, undefined);
  const photo = await tg.nextBotMessage({ chatId: USER });
  assert.equal(photo.file?.kind, "photo");
  assert.equal(photo.file?.fileName, "chart.png");
  const meta = await sharp(photo.file.data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ["png", 2048, 1024]);
});

test("a small MEDIA: file goes byte for byte; a PDF goes as a document", async (t) => {
  const { tg, gw } = await setup(t, { reply: "MEDIA:./small.png\nMEDIA:./notes.pdf" });
  const workspace = path.join(gw.home.stateDir, "workspace");
  await mkdir(workspace, { recursive: true });
  const small = await png(64, 32);
  const pdf = Buffer.from("%PDF-1.4\n% test\n");
  await writeFile(path.join(workspace, "small.png"), small);
  await writeFile(path.join(workspace, "notes.pdf"), pdf);

  tg.userSends({ fromId: USER, chatId: USER, text: "files please" });
  const first = await tg.nextBotMessage({ chatId: USER });
  assert.equal(first.file?.kind, "photo");
  assert.deepEqual(first.file.data, small);
  const second = await tg.nextBotMessage({ chatId: USER });
  assert.equal(second.file?.kind, "document");
  assert.equal(second.file.fileName, "notes.pdf");
  assert.deepEqual(second.file.data, pdf);
});

test("a MEDIA: file over the channel's limit fails with a clear message in the chat and the log", async (t) => {
  const { tg, gw } = await setup(t, {
    telegram: { mediaMaxMb: 1 },
    reply: "Report attached.\nMEDIA:./report.pdf",
  });
  const workspace = path.join(gw.home.stateDir, "workspace");
  await mkdir(workspace, { recursive: true });
  await writeFile(
    path.join(workspace, "report.pdf"),
    Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(2 * 1024 * 1024)]),
  );

  tg.userSends({ fromId: USER, chatId: USER, text: "the report?" });
  assert.equal((await tg.nextBotMessage({ chatId: USER })).text, "Report attached.");
  const error = await tg.nextBotMessage({ chatId: USER });
  assert.equal(
    error.text,
    "⚠️ Could not send report.pdf: the file is 2 MB, over the 1 MB limit (channels.telegram.mediaMaxMb)",
  );
  await gw.waitForOutput(/reply attachment not sent/);
  assert.equal(tg.sent.filter((m) => m.file).length, 0);
});

test("MEDIA: paths outside the workspace and the media folder are refused", async (t) => {
  const { tg, gw } = await setup(t, { reply: "MEDIA:../openclaw.json" });
  tg.userSends({ fromId: USER, chatId: USER, text: "config?" });
  const error = await tg.nextBotMessage({ chatId: USER });
  assert.match(
    error.text,
    /^⚠️ Could not send openclaw\.json: \.\.\/openclaw\.json: only files in the agent workspace or .*media can be sent$/,
  );
  assert.equal(tg.sent.filter((m) => m.file).length, 0);
  assert.ok(gw.home.stateDir);
});

test("an image for a text-only model goes to agents.defaults.imageModel", async (t) => {
  const { tg, llm } = await setup(t, {
    defaults: { model: { primary: "fake/text-only" }, imageModel: { primary: "fake/vision" } },
    reply: "I see it.",
  });
  tg.userSends({ fromId: USER, chatId: USER, text: "look", photo: { data: await png(100, 100) } });
  assert.equal((await tg.nextBotMessage({ chatId: USER })).text, "I see it.");
  const body = llm.requests.at(-1)!.body;
  assert.equal(body.model, "vision");
  assert.equal(imagesOf(lastUserMessage(body)).length, 1);

  // Text alone stays on the primary.
  tg.userSends({ fromId: USER, chatId: USER, text: "and now just text" });
  await tg.nextBotMessage({ chatId: USER });
  assert.equal(llm.requests.at(-1)!.body.model, "text-only");
});

test("without an imageModel a text-only model gets a note instead of the image", async (t) => {
  const { tg, llm } = await setup(t, { defaults: { model: { primary: "fake/text-only" } } });
  tg.userSends({ fromId: USER, chatId: USER, text: "look", photo: { data: await png(100, 100) } });
  await tg.nextBotMessage({ chatId: USER });
  const body = llm.requests.at(-1)!.body;
  assert.equal(body.model, "text-only");
  const user = lastUserMessage(body);
  assert.equal(imagesOf(user).length, 0);
  assert.match(textOf(user), /An image was attached, but fake\/text-only cannot see images/);
});

test("when no image model can run, the chat gets All image models failed", async (t) => {
  const { tg, llm } = await setup(t, {
    defaults: { model: { primary: "fake/text-only" }, imageModel: { primary: "nowhere/eyes" } },
  });
  tg.userSends({ fromId: USER, chatId: USER, text: "look", photo: { data: await png(100, 100) } });
  const reply = await tg.nextBotMessage({ chatId: USER });
  assert.match(reply.text, /^⚠️ All image models failed \(1\): nowhere\/eyes: /);
  assert.equal(llm.requests.length, 0);
});

test("[[audio_as_voice]] sends attached audio as a voice note; without it audio goes as a track", async (t) => {
  const { tg, llm, gw } = await setup(t, { reply: "[[audio_as_voice]]\nMEDIA:./note.ogg" });
  const workspace = path.join(gw.home.stateDir, "workspace");
  await mkdir(workspace, { recursive: true });
  const ogg = Buffer.concat([Buffer.from("OggS"), Buffer.alloc(64, 1)]);
  await writeFile(path.join(workspace, "note.ogg"), ogg);

  tg.userSends({ fromId: USER, chatId: USER, text: "say it" });
  const voice = await tg.nextBotMessage({ chatId: USER });
  assert.equal(voice.file?.kind, "voice");
  assert.deepEqual(voice.file.data, ogg);
  assert.equal(voice.text, "", "the tag is not sent as text");

  llm.setDefault({ kind: "text", text: "MEDIA:./note.ogg" });
  tg.userSends({ fromId: USER, chatId: USER, text: "again" });
  const track = await tg.nextBotMessage({ chatId: USER });
  assert.equal(track.file?.kind, "audio");
});

import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { startFakeDiscord } from "../fakes/discord.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { startFakeSlack } from "../fakes/slack.ts";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#cc3366" } })
    .png()
    .toBuffer();
}

function modelsFor(llm: FakeLlm) {
  return {
    models: {
      providers: {
        fake: {
          baseUrl: llm.baseUrl,
          api: "openai-completions",
          apiKey: "sk-test-key",
          models: [{ id: "vision", name: "Vision", input: ["text", "image"] }],
        },
      },
    },
    agents: { defaults: { model: { primary: "fake/vision" } } },
  };
}

async function writeWorkspaceFile(gw: SpawnedGateway, name: string, data: Uint8Array): Promise<void> {
  const workspace = path.join(gw.home.stateDir, "workspace");
  await mkdir(workspace, { recursive: true });
  await writeFile(path.join(workspace, name), data);
}

/** The data: URLs of the image parts in the last user message of the last model call. */
function imagesSent(llm: FakeLlm): string[] {
  const messages = llm.requests.at(-1)!.body.messages as { role: string; content: unknown }[];
  const user = messages.filter((m) => m.role === "user").at(-1);
  if (!Array.isArray(user?.content)) return [];
  return (user.content as { type: string; image_url?: { url: string } }[]).flatMap((p) =>
    p.type === "image_url" && p.image_url ? [p.image_url.url] : [],
  );
}

test("Discord: an attachment reaches the model and a MEDIA: reply is uploaded as a file", async (t) => {
  const dc = await startFakeDiscord();
  const llm = await startFakeOpenAI({ reply: "Pretty.\nMEDIA:./answer.png" });
  const gw = await spawnGateway({
    config: {
      ...modelsFor(llm),
      channels: {
        discord: { token: dc.token, apiBaseUrl: dc.apiBaseUrl, dmPolicy: "allowlist", allowFrom: ["42"] },
      },
    },
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([dc.close(), llm.close()]);
  });
  await dc.waitForGateway("identify");
  const answer = await png(300, 200);
  await writeWorkspaceFile(gw, "answer.png", answer);

  const dm = dc.dmChannelOf("42");
  dc.userSendsDm({
    userId: "42",
    text: "what do you think?",
    attachments: [{ fileName: "photo.png", contentType: "image/png", data: await png(64, 64) }],
  });
  const text = await dc.nextBotMessage({ channelId: dm });
  assert.equal(text.content, "Pretty.");
  const upload = await dc.nextBotMessage({ channelId: dm });
  assert.equal(upload.files.length, 1);
  assert.equal(upload.files[0]?.name, "answer.png");
  assert.deepEqual(upload.files[0]?.data, answer);
  assert.equal(imagesSent(llm).length, 1);
});

test("Slack: a shared file reaches the model and a MEDIA: reply goes through the upload API", async (t) => {
  const slack = await startFakeSlack();
  const llm = await startFakeOpenAI({ reply: "Here you go.\nMEDIA:./report.pdf" });
  const gw = await spawnGateway({
    config: {
      ...modelsFor(llm),
      channels: {
        slack: {
          botToken: slack.botToken,
          appToken: slack.appToken,
          apiUrl: slack.apiUrl,
          dmPolicy: "allowlist",
          allowFrom: ["U42"],
        },
      },
    },
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([slack.close(), llm.close()]);
  });
  await slack.waitForConnections(1);
  const pdf = Buffer.from("%PDF-1.4\n% quarterly report\n");
  await writeWorkspaceFile(gw, "report.pdf", pdf);

  slack.userSends({
    user: "U42",
    channel: "D42",
    text: "summarise this and send the report",
    files: [{ name: "scan.png", mimetype: "image/png", data: await png(80, 40) }],
  });
  const text = await slack.nextBotMessage({ channel: "D42" });
  assert.equal(text.text, "Here you go.");
  const shared = await slack.nextBotMessage({ channel: "D42" });
  assert.equal(shared.files?.length, 1);
  assert.equal(shared.files?.[0]?.name, "report.pdf");
  assert.deepEqual(shared.files?.[0]?.data, pdf);
  assert.equal(imagesSent(llm).length, 1, "the shared image was downloaded with the bot token");
});

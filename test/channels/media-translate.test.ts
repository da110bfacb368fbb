import assert from "node:assert/strict";
import { test } from "node:test";
import type { GatewayMessageCreateDispatchData } from "discord-api-types/v10";
import type { Update } from "grammy/types";
import { translateMessage } from "../../src/channels/discord/translate.ts";
import { translateEvent } from "../../src/channels/slack/translate.ts";
import { translateUpdate } from "../../src/channels/telegram/translate.ts";

test("Telegram: a photo without a caption is a message; its largest size is the handle", () => {
  const update = {
    update_id: 7,
    message: {
      message_id: 1,
      date: 1_700_000_000,
      chat: { id: 42, type: "private", first_name: "A" },
      from: { id: 42, is_bot: false, first_name: "A" },
      photo: [
        { file_id: "small", file_unique_id: "s", width: 90, height: 60, file_size: 900 },
        { file_id: "large", file_unique_id: "l", width: 1280, height: 853, file_size: 120_000 },
      ],
    },
  } as unknown as Update;
  const msg = translateUpdate(update, { id: 1, username: "bot" }, "default");
  assert.equal(msg?.text, "");
  assert.deepEqual(msg?.media, [{ kind: "image", ref: "large", sizeBytes: 120_000 }]);
  // Plain JSON: the inbox stores it as it is.
  assert.deepEqual(JSON.parse(JSON.stringify(msg)), msg);
});

test("Telegram: a document keeps its name, type and size; its caption is the text", () => {
  const update = {
    update_id: 8,
    message: {
      message_id: 2,
      date: 1_700_000_000,
      chat: { id: 42, type: "private", first_name: "A" },
      from: { id: 42, is_bot: false, first_name: "A" },
      caption: "read this",
      document: {
        file_id: "doc",
        file_unique_id: "d",
        file_name: "a.pdf",
        mime_type: "application/pdf",
        file_size: 10,
      },
    },
  } as unknown as Update;
  const msg = translateUpdate(update, { id: 1, username: "bot" }, "default");
  assert.equal(msg?.text, "read this");
  assert.deepEqual(msg?.media, [
    { kind: "document", ref: "doc", mimeType: "application/pdf", fileName: "a.pdf", sizeBytes: 10 },
  ]);
});

test("Discord: an attachment-only message is kept, with the attachment's URL as its handle", () => {
  const data = {
    id: "9",
    type: 0,
    channel_id: "100",
    author: { id: "42", username: "u" },
    content: "",
    timestamp: new Date(0).toISOString(),
    mentions: [],
    attachments: [
      {
        id: "1",
        filename: "cat.png",
        size: 2048,
        url: "https://cdn.example/cat.png",
        content_type: "image/png",
      },
    ],
  } as unknown as GatewayMessageCreateDispatchData;
  const msg = translateMessage(data, { id: "1" }, "default", undefined, { allowBots: false });
  assert.deepEqual(msg?.media, [
    {
      kind: "image",
      ref: "https://cdn.example/cat.png",
      fileName: "cat.png",
      sizeBytes: 2048,
      mimeType: "image/png",
    },
  ]);
});

test("Slack: a file_share message carries its files' private download URLs", () => {
  const payload = {
    type: "event_callback",
    team_id: "T1",
    event: {
      type: "message",
      subtype: "file_share",
      channel: "D1",
      channel_type: "im",
      user: "U42",
      text: "",
      ts: "1700000000.000100",
      files: [
        {
          id: "F1",
          name: "scan.pdf",
          mimetype: "application/pdf",
          size: 300,
          url_private: "https://files.example/F1/scan.pdf",
          url_private_download: "https://files.example/F1/download/scan.pdf",
        },
      ],
    },
  };
  const msg = translateEvent(payload, { userId: "UBOT" }, "default");
  assert.deepEqual(msg?.media, [
    {
      kind: "document",
      ref: "https://files.example/F1/download/scan.pdf",
      fileName: "scan.pdf",
      mimeType: "application/pdf",
      sizeBytes: 300,
    },
  ]);
});

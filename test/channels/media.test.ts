import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import type { ChannelCapabilities } from "../../src/channels/adapter.ts";
import { MediaSourceError, MediaTooLargeError } from "../../src/channels/media/errors.ts";
import { fetchCapped } from "../../src/channels/media/fetch-capped.ts";
import { inboundLimit, outboundKind, outboundLimit } from "../../src/channels/media/limits.ts";
import { detectMimeType } from "../../src/channels/media/mime.ts";
import { loadOutboundMedia } from "../../src/channels/media/outbound-media.ts";
import { fitImage, fitWithin } from "../../src/channels/media/resize.ts";
import { assertPublicUrl, isPrivateAddress } from "../../src/channels/media/url-guard.ts";

const MB = 1024 * 1024;
const caps: ChannelCapabilities = {
  maxTextChars: 4096,
  defaultChunkChars: 4000,
  typingTtlMs: undefined,
  allowFromPrefixes: [],
  label: "Telegram",
  media: { maxUploadBytes: 50 * MB, maxPhotoBytes: 10 * MB, defaultInboundMaxMb: 5, voice: true },
};

test("fitWithin scales the long side down to the limit and never up", () => {
  assert.deepEqual(fitWithin({ width: 4096, height: 1024 }, 2048), { width: 2048, height: 512 });
  assert.deepEqual(fitWithin({ width: 1000, height: 3000 }, 1200), { width: 400, height: 1200 });
  assert.equal(fitWithin({ width: 2048, height: 2048 }, 2048), undefined);
  assert.equal(fitWithin({ width: 10, height: 10 }, 2048), undefined);
});

test("inbound limit: account, then agents.defaults.mediaMaxMb, then the channel's default", () => {
  assert.deepEqual(inboundLimit("telegram", 2, 5, caps), {
    maxBytes: 2 * MB,
    source: "channels.telegram.mediaMaxMb",
  });
  assert.deepEqual(inboundLimit("telegram", undefined, 3, caps), {
    maxBytes: 3 * MB,
    source: "agents.defaults.mediaMaxMb",
  });
  assert.equal(inboundLimit("telegram", undefined, undefined, caps).maxBytes, 5 * MB);
});

test("outbound limit: the platform's, lowered by channels.<ch>.mediaMaxMb; none without file support", () => {
  assert.deepEqual(outboundLimit("telegram", undefined, caps), {
    maxBytes: 50 * MB,
    source: "Telegram's upload limit",
  });
  assert.deepEqual(outboundLimit("telegram", 1, caps), {
    maxBytes: MB,
    source: "channels.telegram.mediaMaxMb",
  });
  assert.equal(outboundLimit("telegram", 100, caps)?.maxBytes, 50 * MB);
  const { media: _none, ...textOnly } = caps;
  assert.equal(outboundLimit("telegram", undefined, textOnly), undefined);
});

test("outbound kind: pictures as photos within the photo limit, the rest as documents, oversize refused", () => {
  const limit = { maxBytes: 50 * MB, source: "Telegram's upload limit" };
  assert.deepEqual(outboundKind("image/png", MB, limit, caps), { kind: "image" });
  assert.deepEqual(outboundKind("image/jpeg", 11 * MB, limit, caps), { kind: "document" });
  assert.deepEqual(outboundKind("image/gif", MB, limit, caps), { kind: "document" });
  assert.deepEqual(outboundKind("application/pdf", MB, limit, caps), { kind: "document" });
  assert.deepEqual(outboundKind("application/pdf", 51 * MB, limit, caps), {
    tooLarge: "it is 51 MB, over the 50 MB limit (Telegram's upload limit)",
  });
});

test("content types come from magic bytes first, then the name, then the claim", () => {
  assert.equal(detectMimeType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]), "x.jpg"), "image/png");
  assert.equal(detectMimeType(Buffer.from("%PDF-1.7"), "x.bin"), "application/pdf");
  assert.equal(detectMimeType(Buffer.from("hello"), "notes.txt"), "text/plain");
  assert.equal(detectMimeType(Buffer.from("hello"), undefined, "text/csv; charset=utf-8"), "text/csv");
  assert.equal(detectMimeType(Buffer.from("hello")), "application/octet-stream");
});

test("fitImage shrinks a large image in its own format and leaves a small one untouched", async () => {
  const big = await sharp({ create: { width: 3000, height: 1000, channels: 3, background: "#fff" } })
    .jpeg()
    .toBuffer();
  const fitted = await fitImage(big, "image/jpeg", 2048);
  assert.equal(fitted.resized, true);
  const meta = await sharp(fitted.data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ["jpeg", 2048, 683]);
  const small = await sharp({ create: { width: 20, height: 20, channels: 4, background: "#0000" } })
    .png()
    .toBuffer();
  const same = await fitImage(small, "image/png", 2048);
  assert.equal(same.resized, false);
  assert.equal(same.data, small);
});

test("outbound local media is confined to the workspace and the state dir's media folder", async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), "media-test-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const workspaceDir = path.join(root, "workspace");
  const stateDir = path.join(root, "state");
  await mkdir(workspaceDir, { recursive: true });
  await mkdir(path.join(stateDir, "media", "out"), { recursive: true });
  await writeFile(path.join(workspaceDir, "a.txt"), "in workspace");
  await writeFile(path.join(stateDir, "media", "out", "b.txt"), "in media");
  await writeFile(path.join(root, "secret.txt"), "outside");
  await symlink(path.join(root, "secret.txt"), path.join(workspaceDir, "link.txt"));
  const roots = { workspaceDir, stateDir };
  const signal = AbortSignal.timeout(10_000);

  const a = await loadOutboundMedia("./a.txt", roots, MB, signal);
  assert.deepEqual(
    [a.fileName, a.mimeType, Buffer.from(a.data).toString()],
    ["a.txt", "text/plain", "in workspace"],
  );
  const b = await loadOutboundMedia(path.join(stateDir, "media", "out", "b.txt"), roots, MB, signal);
  assert.equal(Buffer.from(b.data).toString(), "in media");
  for (const source of ["../secret.txt", path.join(root, "secret.txt"), "./link.txt"])
    await assert.rejects(loadOutboundMedia(source, roots, MB, signal), MediaSourceError, source);
  await assert.rejects(loadOutboundMedia("./missing.png", roots, MB, signal), /no such file/);
  await assert.rejects(loadOutboundMedia("./a.txt", roots, 4, signal), MediaTooLargeError);
});

test("fetchCapped refuses a declared size over the cap and cuts a body that grows past it", async (t) => {
  const server = createServer((req, res) => {
    if (req.url === "/declared") {
      res.writeHead(200, { "content-length": 5000 });
      res.end(Buffer.alloc(5000));
    } else if (req.url === "/chunked") {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.write(Buffer.alloc(3000));
      res.end(Buffer.alloc(3000));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const opts = { maxBytes: 4000, timeoutMs: 10_000, label: "test" };
  const signal = AbortSignal.timeout(10_000);
  await assert.rejects(
    fetchCapped(`${base}/declared`, opts, signal),
    (err: MediaTooLargeError) => err.sizeBytes === 5000,
  );
  await assert.rejects(fetchCapped(`${base}/chunked`, opts, signal), MediaTooLargeError);
  await assert.rejects(fetchCapped(`${base}/nope`, opts, signal), /HTTP 404/);
  const ok = await fetchCapped(`${base}/chunked`, { ...opts, maxBytes: 6000 }, signal);
  assert.equal(ok.data.byteLength, 6000);
  assert.equal(ok.contentType, "application/octet-stream");
});

test("private, loopback and link-local addresses are recognised; public ones are not", () => {
  for (const ip of [
    "127.0.0.1",
    "10.1.2.3",
    "172.20.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
  ])
    assert.equal(isPrivateAddress(ip), true, ip);
  for (const ip of ["::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::"])
    assert.equal(isPrivateAddress(ip), true, ip);
  for (const ip of ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
    assert.equal(isPrivateAddress(ip), false, ip);
});

test("a URL is refused when its host resolves to any private address", async () => {
  await assertPublicUrl(new URL("https://example.test/a.png"), async () => [{ address: "93.184.216.34" }]);
  await assert.rejects(
    assertPublicUrl(new URL("https://example.test/a.png"), async () => [
      { address: "93.184.216.34" },
      { address: "10.0.0.5" },
    ]),
    MediaSourceError,
  );
  await assert.rejects(assertPublicUrl(new URL("http://[::1]:8080/x")), MediaSourceError);
});

test("outbound URLs are fetched with every redirect hop checked, and images are scaled", async (t) => {
  const image = await sharp({ create: { width: 4000, height: 1000, channels: 3, background: "#fff" } })
    .png()
    .toBuffer();
  const server = createServer((req, res) => {
    if (req.url === "/img.png") res.writeHead(200, { "content-type": "image/png" }).end(image);
    else if (req.url === "/hop") res.writeHead(302, { location: "/img.png" }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const seen: string[] = [];
  const roots = {
    workspaceDir: os.tmpdir(),
    stateDir: os.tmpdir(),
    checkUrl: async (u: URL) => {
      seen.push(u.pathname);
    },
  };
  const signal = AbortSignal.timeout(10_000);
  const loaded = await loadOutboundMedia(`${base}/hop`, roots, 10 * MB, signal);
  assert.deepEqual(seen, ["/hop", "/img.png"]);
  assert.equal(loaded.fileName, "img.png");
  const meta = await sharp(loaded.data).metadata();
  assert.deepEqual([meta.width, meta.height], [2048, 512]);
  // Without a test hook, the loopback server is off limits.
  const { checkUrl: _hook, ...guarded } = roots;
  await assert.rejects(loadOutboundMedia(`${base}/img.png`, guarded, 10 * MB, signal), /private networks/);
});

test("audio goes as a track, or as a voice note when asked and the platform has them", () => {
  const limit = { maxBytes: 50 * MB, source: "Telegram's upload limit" };
  assert.deepEqual(outboundKind("audio/ogg", MB, limit, caps), { kind: "audio" });
  assert.deepEqual(outboundKind("audio/ogg", MB, limit, caps, true), { kind: "voice" });
  assert.deepEqual(outboundKind("audio/wav", MB, limit, caps, true), { kind: "audio" }, "not a voice format");
  const noVoice = { ...caps, media: { ...caps.media!, voice: false } };
  assert.deepEqual(outboundKind("audio/ogg", MB, limit, noVoice, true), { kind: "audio" });
});

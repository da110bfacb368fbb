import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import { connect } from "node:net";
import { after, before, test } from "node:test";
import { HttpBodyError, readJsonBody } from "../../src/gateway/http-body.ts";

// A real server on 127.0.0.1:0 whose one route reads a JSON body under small limits and answers
// with what it read or the status the reader chose.
let server: Server;
let port: number;
let reads = 0;

before(async () => {
  server = createServer((req, res) => {
    void readJsonBody(req, { maxBytes: 1024, timeoutMs: 300 }).then(
      (body) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)),
      (err: unknown) => {
        reads++;
        assert.ok(err instanceof HttpBodyError);
        res.writeHead(err.status, { connection: "close" }).end(err.message);
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function post(
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/", headers }, (res) => {
      let text = "";
      res.on("data", (d) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("a small JSON body is read", async () => {
  assert.deepEqual(await post('{"a":1}'), { status: 200, text: '{"a":1}' });
  assert.deepEqual(await post(""), { status: 200, text: "{}" });
});

test("bad JSON is 400", async () => {
  const res = await post("{nope");
  assert.equal(res.status, 400);
  assert.match(res.text, /not valid JSON/);
});

test("a declared Content-Length over the limit is 413 without reading", async () => {
  const res = await post(Buffer.alloc(4096, 0x20), { "content-length": "4096" });
  assert.equal(res.status, 413);
});

test("a chunked body that grows past the limit is 413", async () => {
  const res = await post(Buffer.alloc(64 * 1024, 0x20), { "transfer-encoding": "chunked" });
  assert.equal(res.status, 413);
  assert.match(res.text, /exceeds 1024 bytes/);
});

test("a body that never finishes arriving is 408", async () => {
  const socket = connect(port, "127.0.0.1");
  socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
  const reply = await new Promise<string>((resolve) => {
    let text = "";
    socket.on("data", (d) => {
      text += d;
    });
    socket.on("close", () => resolve(text));
  });
  assert.match(reply, /^HTTP\/1\.1 408 /);
  assert.ok(reads > 0);
});

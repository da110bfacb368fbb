// One port that speaks HTTP/1.1 and cleartext HTTP/2 (prior knowledge), for fakes of services
// whose SDKs pick HTTP/2 on their own (the AWS SDK's Bedrock client does, even for http://).
import http from "node:http";
import http2 from "node:http2";
import net, { type AddressInfo } from "node:net";
import { Duplex } from "node:stream";

export type DualRequest = http.IncomingMessage | http2.Http2ServerRequest;

/** What a handler uses of a response, common to HTTP/1 and HTTP/2 (their own types do not unify). */
export interface DualResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: Buffer): unknown;
  end(): unknown;
  end(text: string): unknown;
  destroy(): unknown;
  on(event: "close", listener: () => void): unknown;
}

export interface DualServer {
  port: number;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with an OS-chosen port; both protocols reach `handler`. */
export async function listenHttp1And2(
  handler: (req: DualRequest, res: DualResponse) => void,
): Promise<DualServer> {
  const sockets = new Set<net.Socket>();
  const h1 = http.createServer(handler);
  const h2 = http2.createServer((req, res) => handler(req, res));
  // HTTP/2 with prior knowledge opens with the connection preface "PRI * HTTP/2.0"; no HTTP/1
  // request line starts that way, so the first bytes pick the protocol.
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, 3).toString("latin1") === "PRI") {
        h2.emit("connection", replayed(socket, first));
      } else {
        socket.unshift(first);
        h1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  return {
    port: (front.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve, reject) => front.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/**
 * The socket as a plain stream that first yields the bytes already read. HTTP/2 sessions read a
 * native socket's handle directly, past anything `unshift` put back, so they get this instead.
 */
function replayed(socket: net.Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read: () => socket.resume(),
    write: (chunk: Buffer, _encoding, done) => socket.write(chunk, done),
    final: (done) => socket.end(done),
    destroy: (err, done) => {
      socket.destroy(err ?? undefined);
      done(err);
    },
  });
  stream.push(first);
  socket.on("data", (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on("end", () => stream.push(null));
  socket.on("close", () => stream.destroy());
  return stream;
}

/** Request headers as single strings; HTTP/2's `:authority` also answers as `host`. */
export function plainHeaders(req: DualRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(",") : String(v);
  }
  out["host"] ??= out[":authority"] ?? "";
  return out;
}

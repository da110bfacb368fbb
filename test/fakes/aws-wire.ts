// AWS wire pieces the Bedrock fake needs: the binary event stream framing
// (docs.aws.amazon.com/transcribe/latest/dg/event-stream.html, "Event stream encoding") and
// Signature Version 4 verification (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html).
import { createHash, createHmac } from "node:crypto";
import { crc32 } from "node:zlib";

const STRING_HEADER = 7;

/**
 * One event stream message: prelude (total length, headers length, CRC32 of those 8 bytes),
 * headers (name length, name, type 7 = string, value length, value), payload, then the CRC32 of
 * everything before it. All integers big-endian.
 */
export function encodeEventMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const headerParts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, "utf8");
    const v = Buffer.from(value, "utf8");
    const head = Buffer.alloc(1 + n.length + 1 + 2);
    head.writeUInt8(n.length, 0);
    n.copy(head, 1);
    head.writeUInt8(STRING_HEADER, 1 + n.length);
    head.writeUInt16BE(v.length, 2 + n.length);
    headerParts.push(head, v);
  }
  const headerBytes = Buffer.concat(headerParts);
  const total = 12 + headerBytes.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const body = Buffer.concat([prelude, headerBytes, payload]);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([body, trailer]);
}

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The parts of an `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. */
export interface SigV4Header {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseSigV4Header(value: string): SigV4Header | undefined {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;:._-]+),\s*Signature=([0-9a-f]{64})$/.exec(
      value,
    );
  if (!m) return undefined;
  return {
    accessKeyId: m[1]!,
    date: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(";"),
    signature: m[6]!,
  };
}

/** RFC 3986 percent-encoding, as SigV4 applies it to each path (again, for all services but S3). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const s of rawPath.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") segments.pop();
    else segments.push(s);
  }
  const normalized = `/${segments.join("/")}${segments.length > 0 && rawPath.endsWith("/") ? "/" : ""}`;
  return uriEncode(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(search: string): string {
  const pairs = [...new URLSearchParams(search)].map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`);
  return pairs.sort().join("&");
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data).digest();
export const sha256Hex = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/**
 * Recomputes the signature of a request from its method, raw path and query, headers and body,
 * with the secret the test gave the client. Returns the signature AWS would expect. Over HTTP/2
 * the SDK signs the `:authority` pseudo-header where HTTP/1 has `host`.
 */
export function expectedSignature(
  req: { method: string; rawPath: string; search: string; headers: Record<string, string>; body: Buffer },
  auth: SigV4Header,
  secretAccessKey: string,
): string {
  const canonicalHeaders = auth.signedHeaders
    .map((name) => `${name}:${(req.headers[name] ?? "").replace(/\s+/g, " ").trim()}\n`)
    .join("");
  const payloadHash = req.headers["x-amz-content-sha256"] ?? sha256Hex(req.body);
  const canonicalRequest = [
    req.method,
    canonicalPath(req.rawPath),
    canonicalQuery(req.search),
    canonicalHeaders,
    auth.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    req.headers["x-amz-date"] ?? "",
    scope,
    sha256Hex(canonicalRequest),
  ].join("\n");
  const kDate = hmac(`AWS4${secretAccessKey}`, auth.date);
  const kSigning = hmac(hmac(hmac(kDate, auth.region), auth.service), "aws4_request");
  return createHmac("sha256", kSigning).update(stringToSign).digest("hex");
}

/** How a request authenticated: SigV4 (with the signer's scope) or a bearer API key. */
export type AwsAuth =
  | { scheme: "sigv4"; sigv4: SigV4Header; sessionToken?: string }
  | { scheme: "bearer"; token: string };

export interface AwsAuthExpectations {
  service: string;
  /** With the secret, signatures are verified; the key id alone is always checked. */
  credentials?: AwsKeys;
  /** The API key accepted as `Authorization: Bearer`; any when unset. */
  bearerToken?: string;
  /** The region signatures must be scoped to; any when unset. */
  region?: string;
}

/**
 * AWS's answers when a caller cannot be authenticated (all 403, named by what is wrong), or how
 * it authenticated.
 */
export function authenticateAws(
  req: { method: string; url: URL; headers: Record<string, string>; body: Buffer },
  opts: AwsAuthExpectations,
): { auth: AwsAuth } | { error: { type: string; message: string } } {
  const { method, url, headers, body } = req;
  const value = headers["authorization"];
  if (!value)
    return {
      error: { type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" },
    };
  const bearer = /^Bearer (.+)$/.exec(value)?.[1];
  if (bearer !== undefined) {
    return opts.bearerToken === undefined || bearer === opts.bearerToken
      ? { auth: { scheme: "bearer", token: bearer } }
      : {
          error: {
            type: "UnrecognizedClientException",
            message: "Invalid API Key format: Must start with pre-defined prefix",
          },
        };
  }
  const sig = parseSigV4Header(value);
  if (!sig || !headers["x-amz-date"] || !sig.signedHeaders.some((h) => h === "host" || h === ":authority"))
    return {
      error: {
        type: "IncompleteSignatureException",
        message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${value.split(" ")[0]}`,
      },
    };
  const keys = opts.credentials;
  if (keys && sig.accessKeyId !== keys.accessKeyId)
    return {
      error: {
        type: "UnrecognizedClientException",
        message: "The security token included in the request is invalid.",
      },
    };
  if (sig.service !== opts.service || (opts.region && sig.region !== opts.region))
    return {
      error: {
        type: "InvalidSignatureException",
        message: `Credential should be scoped to a valid region and service '${opts.service}'.`,
      },
    };
  const contentHash = headers["x-amz-content-sha256"];
  if (contentHash && contentHash !== sha256Hex(body))
    return {
      error: {
        type: "InvalidSignatureException",
        message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
      },
    };
  const sessionToken = headers["x-amz-security-token"];
  if (keys && (keys.sessionToken ?? undefined) !== sessionToken)
    return {
      error: {
        type: "UnrecognizedClientException",
        message: "The security token included in the request is invalid.",
      },
    };
  if (keys) {
    const rawPath = url.pathname;
    const expected = expectedSignature(
      { method, rawPath, search: url.search, headers, body },
      sig,
      keys.secretAccessKey,
    );
    if (expected !== sig.signature)
      return {
        error: {
          type: "InvalidSignatureException",
          message:
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        },
      };
  }
  return { auth: { scheme: "sigv4", sigv4: sig, ...(sessionToken ? { sessionToken } : {}) } };
}

import { createHash, randomBytes } from "node:crypto";

/** A PKCE pair (RFC 7636): the verifier stays with us, the S256 challenge goes in the authorize URL. */
export interface Pkce {
  verifier: string;
  challenge: string;
  method: "S256";
}

/** `BASE64URL(SHA256(verifier))`, RFC 7636 §4.2. Pure. */
export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** 32 random bytes as base64url: 43 characters, the shortest verifier RFC 7636 §4.1 allows. */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: pkceChallenge(verifier), method: "S256" };
}

/** An unguessable `state` that ties the callback to this login (RFC 6749 §10.12). */
export function randomState(): string {
  return randomBytes(16).toString("hex");
}

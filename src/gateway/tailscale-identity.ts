import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { z } from "zod";
import { runTailscale } from "../infra/tailscale-cli.ts";

/** What Tailscale Serve says about the user behind a proxied request. */
export interface ServeClaim {
  /** `Tailscale-User-Login`, e.g. `alice@example.com`. */
  login: string;
  /** The tailnet address Serve received the request from (`X-Forwarded-For`). */
  clientIp: string;
}

function isLoopbackAddress(address: string | undefined): boolean {
  const a = (address ?? "").replace(/^::ffff:/, "");
  return a === "::1" || a.startsWith("127.");
}

/**
 * The identity Serve attached to this request, if it is one: Serve runs on this machine, so the
 * socket is loopback and it adds `Tailscale-User-Login` and `X-Forwarded-For`. A claim is only a
 * claim: any local process can send those headers, so `TailscaleVerifier` checks it with the
 * daemon before it counts (reference-gateway §1: "verified with `tailscale whois`"). Pure.
 */
export function serveClaim(req: IncomingMessage): ServeClaim | undefined {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return undefined;
  const login = req.headers["tailscale-user-login"];
  const forwarded = req.headers["x-forwarded-for"];
  if (typeof login !== "string" || login.trim() === "" || typeof forwarded !== "string") return undefined;
  const clientIp = forwarded.split(",")[0]?.trim() ?? "";
  if (isIP(clientIp) === 0) return undefined;
  return { login: login.trim(), clientIp };
}

const WhoisSchema = z.looseObject({
  UserProfile: z.looseObject({ LoginName: z.string() }),
});

/** Asks the local Tailscale daemon who owns a tailnet address; the login name, or undefined. */
export type Whois = (ip: string) => Promise<string | undefined>;

export function tailscaleWhois(env: NodeJS.ProcessEnv): Whois {
  return async (ip) => {
    const out = await runTailscale(["whois", "--json", ip], env);
    const parsed = WhoisSchema.safeParse(JSON.parse(out));
    return parsed.success ? parsed.data.UserProfile.LoginName : undefined;
  };
}

const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 1000;

/**
 * Verifies Serve claims against `tailscale whois`, remembering answers for a minute so a
 * reconnecting browser does not spawn the CLI each time. A failing or missing CLI verifies
 * nothing: the client then needs the shared secret like anyone else.
 */
export class TailscaleVerifier {
  readonly #whois: Whois;
  readonly #cache = new Map<string, { login: string | undefined; at: number }>();

  constructor(whois: Whois) {
    this.#whois = whois;
  }

  async verify(claim: ServeClaim, nowMs: number): Promise<boolean> {
    let hit = this.#cache.get(claim.clientIp);
    if (!hit || nowMs - hit.at > CACHE_TTL_MS) {
      const login = await this.#whois(claim.clientIp).catch(() => undefined);
      hit = { login, at: nowMs };
      if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
      this.#cache.set(claim.clientIp, hit);
    }
    return hit.login !== undefined && hit.login.toLowerCase() === claim.login.toLowerCase();
  }
}

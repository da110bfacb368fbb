/**
 * Caps on WebSocket connections (reference-gateway §2 item 2, advisory GHSA-f44p-c7w9-7xr7): a
 * flood of sockets that never authenticate must neither grow memory without bound nor crowd out
 * clients that do. Upgrades over a cap are refused with HTTP 503 before a WebSocket exists.
 */
export interface ConnectionCaps {
  /** Unauthenticated sockets per client address (OpenClaw 2026.9: 32). */
  preAuthPerAddress: number;
  /** Unauthenticated sockets in all; bounds what a many-address flood can hold. */
  preAuthTotal: number;
  /** Open WebSocket connections in all, authenticated or not. */
  total: number;
}

export const DEFAULT_CONNECTION_CAPS: Readonly<ConnectionCaps> = {
  preAuthPerAddress: 32,
  preAuthTotal: 256,
  total: 1024,
};

/** `OPENCLAW_MAX_PREAUTH_CONNECTIONS_PER_IP` overrides the per-address cap, as in OpenClaw. */
export function connectionCapsFromEnv(env: NodeJS.ProcessEnv): ConnectionCaps {
  const raw = env["OPENCLAW_MAX_PREAUTH_CONNECTIONS_PER_IP"];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return {
    ...DEFAULT_CONNECTION_CAPS,
    ...(Number.isInteger(n) && n > 0 ? { preAuthPerAddress: n } : {}),
  };
}

/** One admitted socket's claim on the caps. Both methods are idempotent. */
export interface ConnectionSlot {
  /** The socket passed `connect`: it no longer counts as unauthenticated. */
  authenticated(): void;
  /** The socket closed. */
  release(): void;
}

export type Admission = { ok: true; slot: ConnectionSlot } | { ok: false; reason: string };

export class ConnectionLimiter {
  readonly #caps: ConnectionCaps;
  readonly #preAuthByAddress = new Map<string, number>();
  #preAuth = 0;
  #total = 0;

  constructor(caps: ConnectionCaps = DEFAULT_CONNECTION_CAPS) {
    this.#caps = caps;
  }

  get counts(): { total: number; preAuth: number; addresses: number } {
    return { total: this.#total, preAuth: this.#preAuth, addresses: this.#preAuthByAddress.size };
  }

  /** Claims a slot for a new socket from `address`, or says which cap it hit. */
  admit(address: string): Admission {
    const mine = this.#preAuthByAddress.get(address) ?? 0;
    if (this.#total >= this.#caps.total) return { ok: false, reason: "Too many connections" };
    if (mine >= this.#caps.preAuthPerAddress || this.#preAuth >= this.#caps.preAuthTotal)
      return { ok: false, reason: "Too many unauthenticated sockets" };
    this.#total++;
    this.#preAuth++;
    this.#preAuthByAddress.set(address, mine + 1);
    let state: "pre-auth" | "authenticated" | "released" = "pre-auth";
    const leavePreAuth = (): void => {
      this.#preAuth--;
      const left = (this.#preAuthByAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#preAuthByAddress.set(address, left);
      else this.#preAuthByAddress.delete(address);
    };
    return {
      ok: true,
      slot: {
        authenticated: () => {
          if (state !== "pre-auth") return;
          state = "authenticated";
          leavePreAuth();
        },
        release: () => {
          if (state === "released") return;
          if (state === "pre-auth") leavePreAuth();
          state = "released";
          this.#total--;
        },
      },
    };
  }
}

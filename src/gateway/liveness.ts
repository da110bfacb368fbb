/** The part of a WebSocket the liveness check uses (`ws`'s `WebSocket` has it). */
export interface PingableSocket {
  ping(): void;
  terminate(): void;
  on(event: "pong", listener: () => void): unknown;
}

/**
 * Finds dead peers. A laptop that slept or a dropped NAT mapping never sends FIN, so without
 * this its socket (and its connection slot) would stay open for good. Each `sweep` terminates the
 * sockets that did not answer the previous sweep's ping and pings the rest; browsers and `ws`
 * answer pings on their own. The caller runs `sweep` every tick interval (reference §2 item 10:
 * 30 s), so a dead peer goes within two intervals.
 */
export class LivenessCheck<S extends PingableSocket> {
  readonly #answered = new WeakMap<S, boolean>();

  /** Starts watching a new socket; it counts as alive until its first ping goes unanswered. */
  watch(ws: S): void {
    this.#answered.set(ws, true);
    ws.on("pong", () => this.#answered.set(ws, true));
  }

  sweep(sockets: Iterable<S>): { terminated: number } {
    let terminated = 0;
    for (const ws of sockets) {
      if (this.#answered.get(ws) === false) {
        ws.terminate();
        terminated++;
        continue;
      }
      this.#answered.set(ws, false);
      ws.ping();
    }
    return { terminated };
  }
}

import type { GatewayClient } from "../../src/client/gateway-client.ts";
import type { EventFrame } from "../../src/protocol/frames.ts";

/** Collects events of one kind and resolves when a predicate matches (no sleeps). */
export function collectEvents(client: GatewayClient, event: string) {
  const seen: EventFrame[] = [];
  const waiters = new Set<() => void>();
  client.onEvent((ev) => {
    if (ev.event !== event) return;
    seen.push(ev);
    for (const w of waiters) w();
  });
  return {
    seen,
    until(
      pred: (payload: Record<string, unknown>) => boolean,
      timeoutMs = 20_000,
    ): Promise<Record<string, unknown>> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = seen.find((e) => pred(e.payload as Record<string, unknown>));
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit.payload as Record<string, unknown>);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no ${event} event matched within ${timeoutMs} ms; saw ${JSON.stringify(seen.map((e) => e.payload)).slice(0, 2000)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

import { randomUUID } from "node:crypto";
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

export interface ChatTurnEnd {
  runId: string;
  state: string;
  /** The terminal `chat` event's payload. */
  payload: Record<string, unknown>;
  /** The answer's text ("" for an error or a silent answer). */
  text: string;
}

/**
 * Sends one chat message and resolves with its terminal `chat` event (final, error or aborted),
 * after the run is fully over (`agent.wait`: the session index and auth store are written by then).
 */
export async function chatTurn(
  client: GatewayClient,
  message: string,
  opts: { sessionKey?: string; idempotencyKey?: string } = {},
): Promise<ChatTurnEnd> {
  const chat = collectEvents(client, "chat");
  const { runId } = await client.request<{ runId: string }>("chat.send", {
    sessionKey: opts.sessionKey ?? "main",
    message,
    idempotencyKey: opts.idempotencyKey ?? randomUUID(),
  });
  const payload = await chat.until(
    (p) => p["runId"] === runId && ["final", "error", "aborted"].includes(String(p["state"])),
  );
  await client.request("agent.wait", { runId });
  const content = (payload["message"] as { content?: { text?: string }[] } | undefined)?.content ?? [];
  return { runId, state: String(payload["state"]), payload, text: content.map((c) => c.text ?? "").join("") };
}

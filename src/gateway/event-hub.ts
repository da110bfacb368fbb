import type { Logger } from "../infra/logger.ts";
import { hasScope, type MethodScope } from "./method-registry.ts";

/** A connected client as the hub sees it: sends one event frame with its own seq. */
export interface EventSubscriber {
  readonly scopes: ReadonlySet<string>;
  sendEvent(event: string, payload: unknown): void;
}

/** Events every hello-ok advertises (reference-gateway §2, GATEWAY_EVENTS subset we emit). */
export const GATEWAY_EVENTS = [
  "connect.challenge",
  "agent",
  "chat",
  "presence",
  "tick",
  "shutdown",
  "health",
  "heartbeat",
  "device.pair.requested",
  "device.pair.resolved",
  "node.pair.requested",
  "node.pair.resolved",
  "node.invoke.request",
  "exec.approval.requested",
  "exec.approval.resolved",
];

/** Which scope an event needs: chat and agent frames carry conversation content. */
// Pairing events carry device keys and addresses: only pairing admins see them.
const EVENT_SCOPES: Readonly<Record<string, MethodScope>> = {
  chat: "operator.read",
  agent: "operator.read",
  "device.pair.requested": "operator.pairing",
  "device.pair.resolved": "operator.pairing",
  "node.pair.requested": "operator.pairing",
  "node.pair.resolved": "operator.pairing",
  // Sent to one node's socket by the node registry, never fanned out.
  "node.invoke.request": "node",
  // Approval prompts show commands and working dirs: for approvers only.
  "exec.approval.requested": "operator.approvals",
  "exec.approval.resolved": "operator.approvals",
};

/**
 * Fans gateway events out to connected clients (an observer path: the core message path never
 * goes through here). A failing subscriber is logged and skipped; it never stops the others.
 */
export class EventHub {
  readonly #subs = new Set<EventSubscriber>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  add(sub: EventSubscriber): () => void {
    this.#subs.add(sub);
    return () => this.#subs.delete(sub);
  }

  get size(): number {
    return this.#subs.size;
  }

  broadcast(event: string, payload: unknown): void {
    const scope = EVENT_SCOPES[event] ?? "open";
    for (const sub of this.#subs) {
      if (!hasScope(sub.scopes, scope)) continue;
      try {
        sub.sendEvent(event, payload);
      } catch (err) {
        this.#log.warn("event delivery failed", { event, err });
      }
    }
  }
}

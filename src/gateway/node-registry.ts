import { randomUUID } from "node:crypto";
import { GatewayError } from "../infra/errors.ts";

/** A connected node as it presented itself in `connect` (reference-gateway §2, nodes). */
export interface NodeSession {
  nodeId: string;
  connId: string;
  displayName?: string | undefined;
  platform?: string | undefined;
  version?: string | undefined;
  caps: string[];
  commands: string[];
  permissions?: Record<string, boolean> | undefined;
  remoteIp: string;
  connectedAtMs: number;
  /** Pushes an event to this node's socket only. */
  sendEvent(event: string, payload: unknown): void;
}

/** What a node answered to `node.invoke.request` (`node.invoke.result` params). */
export interface InvokeResult {
  ok: boolean;
  payload?: unknown;
  payloadJSON?: string | undefined;
  error?: { code?: string | undefined; message?: string | undefined } | undefined;
}

interface PendingInvoke {
  nodeId: string;
  connId: string;
  resolve(result: InvokeResult): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Invocations a node may have outstanding at once; more is a caller bug or a flood. */
const MAX_PENDING_PER_NODE = 64;

/**
 * The nodes connected right now and their in-flight invocations (NODE-1, NODE-4). The gateway
 * calls a node only through `invoke`, which pushes `node.invoke.request` to that node's socket and
 * waits for the matching `node.invoke.result` from the same connection: another connection
 * cannot answer for it. In memory only: a node reconnecting simply attaches again.
 */
export class NodeRegistry {
  readonly #byNode = new Map<string, NodeSession>();
  readonly #pending = new Map<string, PendingInvoke>();

  /** Registers a node connection; the returned function detaches it (on socket close). */
  attach(session: NodeSession): () => void {
    const previous = this.#byNode.get(session.nodeId);
    if (previous) this.#failPending(previous.connId, "node reconnected");
    this.#byNode.set(session.nodeId, session);
    return () => {
      if (this.#byNode.get(session.nodeId)?.connId === session.connId) this.#byNode.delete(session.nodeId);
      this.#failPending(session.connId, "node disconnected");
    };
  }

  get(nodeId: string): NodeSession | undefined {
    return this.#byNode.get(nodeId);
  }

  list(): NodeSession[] {
    return [...this.#byNode.values()];
  }

  /**
   * Runs `command` on a connected node. Rejects with UNAVAILABLE when it is not connected, does not
   * declare the command, or does not answer within `timeoutMs`.
   */
  invoke(
    nodeId: string,
    command: string,
    params: unknown,
    timeoutMs: number,
    idempotencyKey: string | undefined,
  ): Promise<InvokeResult> {
    const node = this.#byNode.get(nodeId);
    if (!node) return Promise.reject(new GatewayError("UNAVAILABLE", `node not connected: ${nodeId}`));
    if (!node.commands.includes(command))
      return Promise.reject(
        new GatewayError("INVALID_REQUEST", `node ${nodeId} does not support command: ${command}`),
      );
    const outstanding = [...this.#pending.values()].filter((p) => p.connId === node.connId).length;
    if (outstanding >= MAX_PENDING_PER_NODE)
      return Promise.reject(new GatewayError("UNAVAILABLE", `node ${nodeId} is busy`));
    const id = randomUUID();
    return new Promise<InvokeResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new GatewayError("UNAVAILABLE", `node ${nodeId} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { nodeId, connId: node.connId, resolve, reject, timer });
      node.sendEvent("node.invoke.request", {
        id,
        nodeId,
        command,
        ...(params !== undefined ? { paramsJSON: JSON.stringify(params) } : {}),
        timeoutMs,
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
    });
  }

  /** A node's answer; false when no invocation of this connection has that id (late or forged). */
  complete(connId: string, id: string, result: InvokeResult): boolean {
    const pending = this.#pending.get(id);
    if (!pending || pending.connId !== connId) return false;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(result);
    return true;
  }

  #failPending(connId: string, why: string): void {
    for (const [id, p] of this.#pending) {
      if (p.connId !== connId) continue;
      this.#pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new GatewayError("UNAVAILABLE", `${why}: ${p.nodeId}`));
    }
  }
}

/**
 * The commands a node may be called with (reference-gateway §2 item 9): what it declares, narrowed
 * to `gateway.nodes.allowCommands` when set, minus `denyCommands`. Entries match exactly or, ending
 * in `.*`, a whole family (`camera.*`). Pure.
 */
export function allowedNodeCommands(
  declared: readonly string[],
  policy: { allowCommands?: string[] | undefined; denyCommands?: string[] | undefined } | undefined,
): string[] {
  const matches = (command: string, pattern: string): boolean =>
    pattern === "*" ||
    pattern === command ||
    (pattern.endsWith(".*") && command.startsWith(pattern.slice(0, -1)));
  const allow = policy?.allowCommands;
  const deny = policy?.denyCommands ?? [];
  return [...new Set(declared)].filter(
    (c) => (!allow || allow.some((p) => matches(c, p))) && !deny.some((p) => matches(c, p)),
  );
}

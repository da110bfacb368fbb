import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type ChatItem, historyToItems, messageText } from "./chat-items.ts";
import {
  abortChatRun,
  type ChatEvent,
  fetchChatHistory,
  type GatewayRequester,
  parseChatEvent,
  sendChatMessage,
} from "./chat-rpc.ts";
import { describeError, GatewayUnreachableError } from "./gateway-errors.ts";
import { createUuid } from "./ids.ts";
import { mergeRows, unconfirmedRows } from "./local-rows.ts";
import { ProtocolError } from "./protocol.ts";

export const DEFAULT_SESSION_KEY = "agent:main:main";
const MAX_LOCAL_ROWS = 50;
const MAX_FINISHED_RUNS = 20;

function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}

/**
 * The chat of one session: its transcript, the rows we showed before the
 * transcript has them, and the run that is streaming. Feeds on `chat` events and
 * asks the host to re-render on every change. Never throws to the host: failed
 * requests become error rows in the chat.
 */
export class ChatController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #gw: GatewayRequester;
  sessionKey = DEFAULT_SESSION_KEY;
  loaded = false;
  #history: ChatItem[] = [];
  #local: ChatItem[] = [];
  #stream: { runId: string; text: string } | undefined;
  #stopRequested = false;
  #activeRunId: string | undefined;
  #sending = 0;
  // Ids of runs that already ended, so a late chat.send ack does not revive one.
  #finished: string[] = [];
  #loads = 0;

  constructor(host: ReactiveControllerHost, gw: GatewayRequester) {
    this.#host = host;
    this.#gw = gw;
    host.addController(this);
  }

  /** A history answer arriving after the host left the page is dropped. */
  hostDisconnected(): void {
    this.#loads++;
  }

  /** True from sending a message until its run ends; drives the Stop button. */
  get running(): boolean {
    return this.#sending > 0 || this.#activeRunId !== undefined || this.#stream !== undefined;
  }

  get rows(): ChatItem[] {
    const rows = mergeRows(this.#history, this.#local);
    if (this.running) {
      rows.push({
        kind: "assistant",
        text: this.#stream?.text ?? "",
        streaming: true,
        timestamp: Date.now(),
      });
    }
    return rows;
  }

  onConnected(sessionKey: string | undefined): void {
    if (sessionKey) this.sessionKey = sessionKey;
    void this.reload();
  }

  /** A run we lost sight of is picked up again from the transcript after reconnecting. */
  onDisconnected(): void {
    this.#stream = undefined;
    this.#activeRunId = undefined;
    this.#host.requestUpdate();
  }

  async reload(): Promise<void> {
    const load = ++this.#loads;
    try {
      const history = await fetchChatHistory(this.#gw, this.sessionKey);
      if (load !== this.#loads) return; // a newer load is under way
      this.#history = historyToItems(history.messages);
      this.#local = unconfirmedRows(this.#history, this.#local);
      this.loaded = true;
    } catch (err) {
      // Without a connection the header already says so, and the next connect reloads.
      if (load === this.#loads && !(err instanceof GatewayUnreachableError)) {
        this.#addError(`Could not load the chat history: ${describeError(err)}`);
      }
    }
    this.#host.requestUpdate();
  }

  async send(text: string): Promise<void> {
    const message = text.trim();
    if (!message) return;
    this.#addLocal({ kind: "user", text: message, images: 0, timestamp: Date.now() });
    this.#sending++;
    this.#host.requestUpdate();
    try {
      const { runId } = await sendChatMessage(this.#gw, {
        sessionKey: this.sessionKey,
        message,
        idempotencyKey: createUuid(),
      });
      if (!this.#finished.includes(runId)) this.#activeRunId = runId;
      if (this.#stopRequested && this.#activeRunId === runId) {
        this.#stopRequested = false;
        await this.abort();
      }
    } catch (err) {
      this.#addError(`Message not sent: ${describeError(err)}`);
    } finally {
      this.#sending--;
      this.#host.requestUpdate();
    }
  }

  async abort(): Promise<void> {
    const runId = this.#stream?.runId ?? this.#activeRunId;
    if (!runId) {
      // Stop pressed before the gateway acknowledged the send: stop the run once its id arrives.
      if (this.#sending > 0) this.#stopRequested = true;
      return;
    }
    try {
      await abortChatRun(this.#gw, { sessionKey: this.sessionKey, runId });
    } catch (err) {
      this.#addError(`Could not stop the run: ${describeError(err)}`);
      this.#host.requestUpdate();
    }
  }

  handleEvent(payload: unknown): void {
    let event: ChatEvent;
    try {
      event = parseChatEvent(payload);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      console.warn("chat: ignored an event:", err.message);
      return;
    }
    if (event.sessionKey !== this.sessionKey) return;
    this.#apply(event);
    this.#host.requestUpdate();
  }

  #apply(event: ChatEvent): void {
    switch (event.state) {
      case "delta":
        // Deltas carry the whole text so far, not an increment.
        this.#stream = { runId: event.runId, text: messageText(event.message) };
        return;
      case "final": {
        const now = Date.now();
        const rows = historyToItems([event.message]).map((row) => ({ ...row, timestamp: now }));
        const streamed = this.#stream?.runId === event.runId ? this.#stream.text : "";
        if (rows.length === 0 && streamed)
          rows.push({ kind: "assistant", text: streamed, streaming: false, timestamp: now });
        for (const row of rows) this.#addLocal(row);
        break;
      }
      case "aborted": {
        const partial = this.#stream?.runId === event.runId ? this.#stream.text.trim() : "";
        if (partial)
          this.#addLocal({ kind: "assistant", text: partial, streaming: false, timestamp: Date.now() });
        break;
      }
      case "error":
        this.#addError(event.errorMessage ?? "The run failed.");
        break;
      default:
        assertNever(event.state);
    }
    this.#endRun(event.runId);
    // The transcript now also holds this run's tool calls and results.
    void this.reload();
  }

  #endRun(runId: string): void {
    if (this.#stream?.runId === runId) this.#stream = undefined;
    if (this.#activeRunId === runId) this.#activeRunId = undefined;
    this.#finished = [...this.#finished.slice(1 - MAX_FINISHED_RUNS), runId];
  }

  #addLocal(row: ChatItem): void {
    this.#local = [...this.#local.slice(1 - MAX_LOCAL_ROWS), row];
  }

  #addError(text: string): void {
    this.#addLocal({ kind: "error", text, timestamp: Date.now() });
  }
}

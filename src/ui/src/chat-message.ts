import { css, html, LitElement, nothing } from "lit";
import type { ChatItem } from "./chat-items.ts";

// Tool output can be megabytes (a file read, a web page); the row shows the start.
const MAX_TOOL_TEXT = 4_000;

function clip(text: string): string {
  return text.length > MAX_TOOL_TEXT
    ? `${text.slice(0, MAX_TOOL_TEXT)}\n… (${text.length - MAX_TOOL_TEXT} more characters)`
    : text;
}

function timeTitle(timestamp: number): string {
  return timestamp > 0 ? new Date(timestamp).toLocaleString() : "";
}

/**
 * One row of the chat. Text is rendered as text nodes, never as HTML, with its
 * line breaks kept.
 */
export class ChatMessage extends LitElement {
  static override properties = {
    row: { attribute: false },
  };

  declare row: ChatItem | undefined;

  constructor() {
    super();
    this.row = undefined;
  }

  static override styles = css`
    :host {
      display: block;
    }
    .row {
      display: flex;
      flex-direction: column;
      align-items: flex-start;
    }
    .row[data-role="user"] {
      align-items: flex-end;
    }
    .bubble {
      max-width: min(85%, 44rem);
      padding: 9px 14px;
      border-radius: var(--oc-radius);
      white-space: pre-wrap;
      overflow-wrap: anywhere;
    }
    .user {
      background: var(--oc-user-bg);
      color: var(--oc-user-text);
      border-bottom-right-radius: 4px;
    }
    .assistant {
      background: var(--oc-surface);
      border: 1px solid var(--oc-border);
      border-bottom-left-radius: 4px;
      box-shadow: var(--oc-shadow);
    }
    .attachments {
      font-size: 0.8rem;
      opacity: 0.85;
    }
    .cursor {
      display: inline-block;
      width: 0.5em;
      height: 1em;
      margin-left: 2px;
      vertical-align: text-bottom;
      background: currentColor;
      opacity: 0.5;
      animation: blink 1s steps(2) infinite;
    }
    .typing {
      display: inline-flex;
      gap: 4px;
      padding: 4px 0;
    }
    .typing span {
      width: 6px;
      height: 6px;
      border-radius: 50%;
      background: var(--oc-muted);
      animation: bounce 1.2s infinite ease-in-out;
    }
    .typing span:nth-child(2) {
      animation-delay: 0.15s;
    }
    .typing span:nth-child(3) {
      animation-delay: 0.3s;
    }
    .error {
      align-self: stretch;
      padding: 9px 14px;
      border-radius: 10px;
      border: 1px solid var(--oc-error-border);
      background: var(--oc-error-bg);
      color: var(--oc-error-text);
      white-space: pre-wrap;
      overflow-wrap: anywhere;
    }
    details {
      max-width: min(85%, 44rem);
      font-size: 0.85rem;
      color: var(--oc-muted);
      border: 1px dashed var(--oc-border);
      border-radius: 10px;
      padding: 4px 10px;
    }
    summary {
      cursor: pointer;
      display: flex;
      align-items: center;
      gap: 6px;
    }
    summary:focus-visible {
      outline: 2px solid var(--oc-focus);
      outline-offset: 2px;
      border-radius: 4px;
    }
    code,
    pre {
      font-family: var(--oc-mono);
    }
    summary code {
      color: var(--oc-text);
    }
    .state-error {
      color: var(--oc-error-text);
    }
    h4 {
      margin: 8px 0 2px;
      font-size: 0.75rem;
      font-weight: 600;
      text-transform: uppercase;
      letter-spacing: 0.04em;
    }
    pre {
      margin: 0 0 6px;
      padding: 8px;
      max-height: 18rem;
      overflow: auto;
      font-size: 0.8rem;
      white-space: pre-wrap;
      overflow-wrap: anywhere;
      color: var(--oc-text);
      background: var(--oc-surface-2);
      border-radius: 6px;
    }
    @keyframes blink {
      50% {
        opacity: 0;
      }
    }
    @keyframes bounce {
      0%,
      80%,
      100% {
        transform: translateY(0);
        opacity: 0.4;
      }
      40% {
        transform: translateY(-4px);
        opacity: 1;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .cursor,
      .typing span {
        animation: none;
      }
    }
  `;

  override render() {
    const row = this.row;
    if (!row) return nothing;
    return html`<div class="row" data-testid="message" data-role=${row.kind}>${this.#renderBody(row)}</div>`;
  }

  #renderBody(row: ChatItem) {
    switch (row.kind) {
      case "user":
        return html`<div class="bubble user" title=${timeTitle(row.timestamp)}>${row.text}${
          row.images > 0
            ? html`<div class="attachments">${row.images === 1 ? "1 image" : `${row.images} images`}</div>`
            : nothing
        }</div>`;
      case "assistant":
        if (row.streaming && !row.text) {
          // No whitespace inside: bubbles keep it (pre-wrap).
          return html`<div class="bubble assistant"><span class="typing" role="img" aria-label="OpenClaw is replying"
            ><span></span><span></span><span></span></span
          ></div>`;
        }
        return html`<div class="bubble assistant" title=${timeTitle(row.timestamp)}>${row.text}${
          row.streaming ? html`<span class="cursor" aria-hidden="true"></span>` : nothing
        }</div>`;
      case "error":
        return html`<div class="error" title=${timeTitle(row.timestamp)}><strong>Error:</strong> ${row.text}</div>`;
      case "tool":
        return this.#renderTool(row);
    }
  }

  #renderTool(row: Extract<ChatItem, { kind: "tool" }>) {
    const state = row.result ? (row.result.isError ? "failed" : "done") : "no result";
    return html`<details title=${timeTitle(row.timestamp)}>
      <summary>
        <span aria-hidden="true">⚙</span><span>Tool</span><code>${row.name}</code>
        <span class=${row.result?.isError ? "state-error" : ""}>· ${state}</span>
      </summary>
      ${row.args ? html`<h4>Arguments</h4><pre>${clip(row.args)}</pre>` : nothing}
      ${row.result ? html`<h4>Result</h4><pre>${clip(row.result.text) || "(empty)"}</pre>` : nothing}
    </details>`;
  }
}

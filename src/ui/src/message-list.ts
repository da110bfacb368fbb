import { css, html, LitElement } from "lit";
import type { ChatItem } from "./chat-items.ts";

// Within this many pixels of the bottom the list follows new content.
const PINNED_SLACK_PX = 48;

/** The scrolling chat log. Keeps to the bottom while the reader is there. */
export class MessageList extends LitElement {
  static override properties = {
    rows: { attribute: false },
    busy: { type: Boolean },
    loaded: { type: Boolean },
  };

  declare rows: ChatItem[];
  declare busy: boolean;
  declare loaded: boolean;
  #pinned = true;
  // Content grows after our own update (child rows render later, streams grow),
  // so follow the log's size rather than our update cycle.
  readonly #resize = new ResizeObserver(() => {
    if (this.#pinned) this.scrollTop = this.scrollHeight;
  });

  constructor() {
    super();
    this.rows = [];
    this.busy = false;
    this.loaded = false;
  }

  static override styles = css`
    :host {
      display: block;
      overflow-y: auto;
      overscroll-behavior: contain;
    }
    .log {
      display: flex;
      flex-direction: column;
      gap: 10px;
      max-width: 52rem;
      margin: 0 auto;
      padding: 20px 16px 24px;
      box-sizing: border-box;
    }
    .empty {
      margin: 18vh auto 0;
      text-align: center;
      color: var(--oc-muted);
    }
    .empty strong {
      display: block;
      color: var(--oc-text);
      font-size: 1.15rem;
      margin-bottom: 4px;
    }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener("scroll", this.#onScroll, { passive: true });
    const log = this.renderRoot.querySelector(".log");
    if (log) this.#resize.observe(log);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener("scroll", this.#onScroll);
    this.#resize.disconnect();
  }

  override firstUpdated(): void {
    const log = this.renderRoot.querySelector(".log");
    if (log) this.#resize.observe(log);
  }

  override render() {
    return html`<div class="log" role="log" aria-label="Messages" aria-busy=${this.busy ? "true" : "false"} data-testid="messages">
      ${
        this.rows.length === 0
          ? this.#renderEmpty()
          : this.rows.map((row) => html`<chat-message .row=${row}></chat-message>`)
      }
    </div>`;
  }

  #renderEmpty() {
    if (!this.loaded) return html`<p class="empty">Loading conversation…</p>`;
    return html`<p class="empty"><strong>Say hello to OpenClaw</strong>Your messages and replies appear here.</p>`;
  }

  #onScroll = () => {
    this.#pinned = this.scrollHeight - this.scrollTop - this.clientHeight < PINNED_SLACK_PX;
  };
}

import { css, html, LitElement, nothing } from "lit";
import type { ConnectionStatus } from "./gateway-client.ts";

function statusLabel(status: ConnectionStatus): string {
  switch (status.state) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return "Connected";
    case "disconnected": {
      const retry =
        status.retryInMs === undefined ? "" : ` · retrying in ${Math.round(status.retryInMs / 1000)} s`;
      return `Disconnected from gateway: ${status.reason}${retry}`;
    }
  }
}

/** Title bar: assistant name, session key and connection state. Fires `retry`. */
export class ChatHeader extends LitElement {
  static override properties = {
    status: { attribute: false },
    sessionKey: { attribute: false },
  };

  declare status: ConnectionStatus;
  declare sessionKey: string;

  constructor() {
    super();
    this.status = { state: "connecting" };
    this.sessionKey = "";
  }

  static override styles = css`
    :host {
      display: block;
      border-bottom: 1px solid var(--oc-border);
      background: var(--oc-surface);
    }
    header {
      display: flex;
      align-items: center;
      gap: 12px;
      max-width: 52rem;
      margin: 0 auto;
      padding: 10px 16px;
      min-height: 36px;
    }
    .logo {
      width: 28px;
      height: 28px;
      flex: none;
    }
    h1 {
      margin: 0;
      font-size: 1.05rem;
      font-weight: 650;
    }
    .session {
      font: 0.8rem var(--oc-mono);
      color: var(--oc-muted);
      background: var(--oc-surface-2);
      padding: 2px 8px;
      border-radius: 999px;
      white-space: nowrap;
      flex: none;
    }
    .status {
      margin-left: auto;
      display: flex;
      align-items: center;
      gap: 8px;
      font-size: 0.85rem;
      color: var(--oc-muted);
      min-width: 0;
    }
    .label {
      display: -webkit-box;
      -webkit-box-orient: vertical;
      -webkit-line-clamp: 2;
      line-clamp: 2;
      overflow: hidden;
      overflow-wrap: anywhere;
    }
    .dot {
      width: 9px;
      height: 9px;
      border-radius: 50%;
      flex: none;
      background: var(--oc-warn);
    }
    [data-state="connected"] .dot {
      background: var(--oc-ok);
    }
    [data-state="disconnected"] .dot {
      background: var(--oc-accent);
    }
    [data-state="connecting"] .dot {
      animation: pulse 1.2s ease-in-out infinite;
    }
    button {
      font: inherit;
      color: var(--oc-accent);
      background: none;
      border: 0;
      padding: 0;
      cursor: pointer;
      text-decoration: underline;
      white-space: nowrap;
    }
    button:focus-visible {
      outline: 2px solid var(--oc-focus);
      outline-offset: 2px;
    }
    @keyframes pulse {
      50% {
        opacity: 0.35;
      }
    }
    @media (max-width: 560px) {
      .session {
        display: none;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      [data-state="connecting"] .dot {
        animation: none;
      }
    }
  `;

  override render() {
    const { status } = this;
    const label = statusLabel(status);
    const canRetry = status.state === "disconnected" && !status.authFailed;
    return html`
      <header>
        <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
          <rect width="32" height="32" rx="8" fill="var(--oc-accent)" />
          <path
            d="M9 21c0-6 3-11 8-11 2.5 0 4 1.2 4 3-2.2-.6-4 .4-4 2.5 0 1.6 1.3 2.5 3 2.5 1.5 0 2.6-.6 3.5-1.6C23 20 19.5 24 15 24c-3.3 0-6-1.2-6-3z"
            fill="var(--oc-accent-text)"
          />
        </svg>
        <h1>OpenClaw</h1>
        ${this.sessionKey ? html`<span class="session" title="Session key">${this.sessionKey}</span>` : nothing}
        <div class="status" data-testid="status" data-state=${status.state} role="status" title=${label}>
          <span class="dot" aria-hidden="true"></span>
          <span class="label">${label}</span>
          ${canRetry ? html`<button type="button" @click=${this.#retry}>Retry now</button>` : nothing}
        </div>
      </header>
    `;
  }

  #retry = () => {
    this.dispatchEvent(new CustomEvent("retry"));
  };
}

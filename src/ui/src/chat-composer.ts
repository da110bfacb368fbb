import { css, html, LitElement, nothing } from "lit";

export type SendEvent = CustomEvent<{ text: string }>;

/**
 * The message box. Enter sends, Shift+Enter adds a line. Fires `chat-send` with
 * the text and `chat-stop` from the Stop button shown while a run is going.
 */
export class ChatComposer extends LitElement {
  static override properties = {
    connected: { type: Boolean },
    running: { type: Boolean },
    value: { state: true },
  };

  declare connected: boolean;
  declare running: boolean;
  declare value: string;

  constructor() {
    super();
    this.connected = false;
    this.running = false;
    this.value = "";
  }

  static override styles = css`
    :host {
      display: block;
      background: var(--oc-bg);
      padding: 0 16px calc(14px + env(safe-area-inset-bottom));
    }
    form {
      display: flex;
      align-items: flex-end;
      gap: 8px;
      max-width: 52rem;
      margin: 0 auto;
      padding: 8px;
      background: var(--oc-surface);
      border: 1px solid var(--oc-border);
      border-radius: 18px;
      box-shadow: var(--oc-shadow);
    }
    form:focus-within {
      border-color: var(--oc-focus);
      box-shadow: 0 0 0 1px var(--oc-focus);
    }
    textarea {
      flex: 1;
      min-width: 0;
      min-height: 1.5em;
      max-height: 40vh;
      field-sizing: content;
      resize: none;
      border: 0;
      outline: 0;
      padding: 6px 8px;
      font: inherit;
      color: inherit;
      background: transparent;
    }
    button {
      font: inherit;
      font-weight: 600;
      padding: 7px 16px;
      border-radius: 12px;
      border: 1px solid transparent;
      cursor: pointer;
    }
    button:focus-visible {
      outline: 2px solid var(--oc-focus);
      outline-offset: 2px;
    }
    .send {
      background: var(--oc-accent);
      color: var(--oc-accent-text);
    }
    .send:disabled {
      cursor: default;
      background: var(--oc-surface-2);
      color: var(--oc-muted);
    }
    .stop {
      background: transparent;
      color: var(--oc-text);
      border-color: var(--oc-border);
    }
    .hint {
      max-width: 52rem;
      margin: 6px auto 0;
      font-size: 0.75rem;
      color: var(--oc-muted);
      text-align: center;
    }
  `;

  override render() {
    const canSend = this.connected && this.value.trim() !== "";
    return html`
      <form @submit=${this.#onSubmit}>
        <textarea
          data-testid="composer"
          aria-label="Message"
          rows="1"
          placeholder=${this.connected ? "Message OpenClaw…" : "Waiting for the gateway…"}
          .value=${this.value}
          @input=${this.#onInput}
          @keydown=${this.#onKeyDown}
        ></textarea>
        ${
          this.running
            ? html`<button type="button" class="stop" data-testid="stop" @click=${this.#onStop}>Stop</button>`
            : nothing
        }
        <button type="submit" class="send" data-testid="send" ?disabled=${!canSend}>Send</button>
      </form>
      <p class="hint">Enter to send · Shift+Enter for a new line</p>
    `;
  }

  override updated(): void {
    // Browsers without field-sizing (Firefox, older Safari) grow the box here instead.
    const box = this.renderRoot.querySelector("textarea");
    if (!box || CSS.supports("field-sizing", "content")) return;
    box.style.height = "auto";
    box.style.height = `${box.scrollHeight}px`;
  }

  override focus(): void {
    this.renderRoot.querySelector("textarea")?.focus();
  }

  #onInput = (ev: Event) => {
    this.value = (ev.target as HTMLTextAreaElement).value;
  };

  #onKeyDown = (ev: KeyboardEvent) => {
    // isComposing: Enter that confirms an IME candidate must not send.
    if (ev.key !== "Enter" || ev.shiftKey || ev.isComposing) return;
    ev.preventDefault();
    this.#send();
  };

  #onSubmit = (ev: SubmitEvent) => {
    ev.preventDefault();
    this.#send();
  };

  #onStop = () => {
    this.dispatchEvent(new CustomEvent("chat-stop"));
  };

  #send(): void {
    const text = this.value.trim();
    if (!text || !this.connected) return;
    this.value = "";
    this.dispatchEvent(new CustomEvent("chat-send", { detail: { text } }) satisfies SendEvent);
  }
}

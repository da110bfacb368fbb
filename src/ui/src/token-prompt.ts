import { css, html, LitElement } from "lit";

export type TokenEvent = CustomEvent<{ token: string }>;

/** Asks for the gateway token after the gateway refused ours. Fires `token-submit`. */
export class TokenPrompt extends LitElement {
  static override properties = {
    message: { attribute: false },
    value: { state: true },
  };

  declare message: string;
  declare value: string;

  constructor() {
    super();
    this.message = "";
    this.value = "";
  }

  static override styles = css`
    :host {
      display: block;
      overflow-y: auto;
      padding: 24px 16px;
    }
    form {
      max-width: 30rem;
      margin: 0 auto;
      padding: 20px;
      background: var(--oc-surface);
      border: 1px solid var(--oc-border);
      border-radius: var(--oc-radius);
      box-shadow: var(--oc-shadow);
    }
    h2 {
      margin: 0 0 6px;
      font-size: 1.1rem;
    }
    .reason {
      margin: 0 0 14px;
      padding: 8px 10px;
      border-radius: 8px;
      background: var(--oc-error-bg);
      color: var(--oc-error-text);
      overflow-wrap: anywhere;
    }
    label {
      display: block;
      font-weight: 600;
      margin-bottom: 4px;
    }
    .row {
      display: flex;
      gap: 8px;
    }
    input {
      flex: 1;
      min-width: 0;
      font: inherit;
      padding: 7px 10px;
      color: inherit;
      background: var(--oc-bg);
      border: 1px solid var(--oc-border);
      border-radius: 10px;
    }
    button {
      font: inherit;
      font-weight: 600;
      padding: 7px 16px;
      border: 0;
      border-radius: 10px;
      cursor: pointer;
      background: var(--oc-accent);
      color: var(--oc-accent-text);
    }
    button:disabled {
      cursor: default;
      background: var(--oc-surface-2);
      color: var(--oc-muted);
    }
    input:focus-visible,
    button:focus-visible {
      outline: 2px solid var(--oc-focus);
      outline-offset: 2px;
    }
    .hint {
      margin: 12px 0 0;
      font-size: 0.85rem;
      color: var(--oc-muted);
    }
    code {
      font-family: var(--oc-mono);
    }
  `;

  override render() {
    return html`
      <form data-testid="token-form" @submit=${this.#onSubmit}>
        <h2>Connect to your gateway</h2>
        ${this.message ? html`<p class="reason" role="alert">${this.message}</p>` : ""}
        <label for="token">Gateway token</label>
        <div class="row">
          <input
            id="token"
            data-testid="token-input"
            type="password"
            autocomplete="off"
            spellcheck="false"
            .value=${this.value}
            @input=${this.#onInput}
          />
          <button type="submit" data-testid="token-submit" ?disabled=${!this.value.trim()}>Connect</button>
        </div>
        <p class="hint">
          Run <code>openclaw dashboard</code> on the gateway host for a link that carries the token, or paste it
          here. It is kept in this browser only.
        </p>
      </form>
    `;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector("input")?.focus();
  }

  #onInput = (ev: Event) => {
    this.value = (ev.target as HTMLInputElement).value;
  };

  #onSubmit = (ev: SubmitEvent) => {
    ev.preventDefault();
    const token = this.value.trim();
    if (!token) return;
    this.dispatchEvent(new CustomEvent("token-submit", { detail: { token } }) satisfies TokenEvent);
  };
}

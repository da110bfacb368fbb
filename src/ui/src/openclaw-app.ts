import { css, html, LitElement, nothing } from "lit";
import type { SendEvent } from "./chat-composer.ts";
import { ChatController } from "./chat-controller.ts";
import type { DeviceAuth } from "./device-identity.ts";
import { type ConnectionStatus, GatewayClient } from "./gateway-client.ts";
import type { ConnectClientInfo, EventFrame } from "./protocol.ts";
import type { TokenEvent } from "./token-prompt.ts";
import type { TokenStore } from "./token-store.ts";

export interface AppDeps {
  gatewayUrl: string;
  client: ConnectClientInfo;
  tokens: TokenStore;
  device: DeviceAuth;
}

/**
 * The Control UI's WebChat screen. Owns the gateway connection for as long as it
 * is in the document, and wires it to the chat and the token prompt.
 */
export class OpenClawApp extends LitElement {
  static override properties = {
    status: { state: true },
  };

  declare status: ConnectionStatus;
  readonly #tokens: TokenStore;
  readonly #gateway: GatewayClient;
  readonly #chat: ChatController;

  constructor(deps: AppDeps) {
    super();
    this.status = { state: "connecting" };
    this.#tokens = deps.tokens;
    this.#gateway = new GatewayClient({
      url: deps.gatewayUrl,
      client: deps.client,
      getToken: () => this.#tokens.get(),
      device: deps.device,
      onStatus: (status) => this.#onStatus(status),
      onEvent: (frame) => this.#onEvent(frame),
      onGap: () => void this.#chat.reload(),
    });
    this.#chat = new ChatController(this, this.#gateway);
  }

  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      height: 100vh;
      height: 100dvh;
    }
    message-list,
    token-prompt.alone {
      flex: 1;
      min-height: 0;
    }
    [hidden] {
      display: none;
    }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("online", this.#onOnline);
    this.#gateway.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("online", this.#onOnline);
    this.#gateway.stop();
  }

  override render() {
    const { status } = this;
    const authFailed = status.state === "disconnected" && status.authFailed;
    // Before any history loaded, the prompt takes the list's place.
    const promptAlone = authFailed && !this.#chat.loaded;
    return html`
      <chat-header .status=${status} .sessionKey=${this.#chat.sessionKey} @retry=${this.#onOnline}></chat-header>
      ${
        authFailed
          ? html`<token-prompt
            class=${promptAlone ? "alone" : ""}
            .message=${status.reason}
            @token-submit=${this.#onToken}
          ></token-prompt>`
          : nothing
      }
      <message-list
        .rows=${this.#chat.rows}
        ?busy=${this.#chat.running}
        ?loaded=${this.#chat.loaded}
        ?hidden=${promptAlone}
      ></message-list>
      <chat-composer
        ?connected=${status.state === "connected"}
        ?running=${this.#chat.running}
        @chat-send=${this.#onSend}
        @chat-stop=${this.#onStop}
      ></chat-composer>
    `;
  }

  #onStatus(status: ConnectionStatus): void {
    this.status = status;
    if (status.state === "connected") this.#chat.onConnected(status.hello.sessionDefaults?.mainSessionKey);
    else this.#chat.onDisconnected();
  }

  #onEvent(frame: EventFrame): void {
    if (frame.event === "chat") this.#chat.handleEvent(frame.payload);
  }

  #onSend = (ev: SendEvent) => {
    void this.#chat.send(ev.detail.text);
  };

  #onStop = () => {
    void this.#chat.abort();
  };

  #onToken = (ev: TokenEvent) => {
    this.#tokens.set(ev.detail.token);
    this.#gateway.reconnectNow();
  };

  #onOnline = () => {
    this.#gateway.reconnectNow();
  };
}

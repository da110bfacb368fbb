import { ChatComposer } from "./chat-composer.ts";
import { ChatHeader } from "./chat-header.ts";
import { ChatMessage } from "./chat-message.ts";
import { createDeviceAuth } from "./device-identity.ts";
import { gatewayUrl } from "./gateway-url.ts";
import { MessageList } from "./message-list.ts";
import { OpenClawApp } from "./openclaw-app.ts";
import { TokenPrompt } from "./token-prompt.ts";
import { adoptTokenFromFragment, createTokenStore } from "./token-store.ts";

// First, before anything can read or log the address: take the token out of it.
const tokens = createTokenStore(() => window.localStorage);
adoptTokenFromFragment(window.location, window.history, tokens);

customElements.define("chat-header", ChatHeader);
customElements.define("chat-message", ChatMessage);
customElements.define("message-list", MessageList);
customElements.define("chat-composer", ChatComposer);
customElements.define("token-prompt", TokenPrompt);
customElements.define("openclaw-app", OpenClawApp);

const app = new OpenClawApp({
  gatewayUrl: gatewayUrl(window.location),
  client: {
    version: __OPENCLAW_UI_VERSION__,
    platform: navigator.platform || "web",
    userAgent: navigator.userAgent,
    locale: navigator.language,
  },
  tokens,
  device: createDeviceAuth(() => window.localStorage),
});
document.body.append(app);

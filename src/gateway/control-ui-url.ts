/** What the Control UI link is made of; `token` only for token auth (never a password). */
export interface ControlUiLink {
  /** `http:`/`https:`, or the gateway's `ws:`/`wss:` address (remote mode), mapped to the page's. */
  scheme: string;
  host: string;
  port: number | undefined;
  /** `gateway.controlUi.basePath`; empty serves the page at `/`. */
  basePath: string | undefined;
  token: string | undefined;
}

/**
 * The address of the Control UI, with the token in the fragment: a fragment never reaches the
 * server, a proxy log or a Referer, and the page moves it to storage on load (GW-8, GW-21). Never
 * in the query string. Pure.
 */
export function controlUiUrl(link: ControlUiLink): string {
  const scheme = link.scheme.replace(/:$/, "");
  const http = scheme === "wss" || scheme === "https" ? "https" : "http";
  const host = link.host.includes(":") && !link.host.startsWith("[") ? `[${link.host}]` : link.host;
  const defaultPort = http === "https" ? 443 : 80;
  const port = link.port === undefined || link.port === defaultPort ? "" : `:${link.port}`;
  const base = (link.basePath ?? "").replace(/^\/*/, "/").replace(/\/*$/, "/");
  const fragment = link.token ? `#token=${encodeURIComponent(link.token)}` : "";
  return `${http}://${host}${port}${base}${fragment}`;
}

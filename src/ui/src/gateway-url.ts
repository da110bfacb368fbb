/**
 * The gateway's WebSocket address for a page served at `location`: the same
 * host, under the page's own base path (`gateway.controlUi.basePath`). Never
 * taken from the query or fragment, so a crafted link cannot send the token to
 * another host.
 */
export function gatewayUrl(location: Pick<Location, "protocol" | "host" | "pathname">): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const basePath = location.pathname.replace(/\/[^/]*$/, "");
  return `${scheme}//${location.host}${basePath || "/"}`;
}

export const TOKEN_STORAGE_KEY = "openclaw.gateway.token";

/** Where the gateway token lives between page loads. Never throws. */
export interface TokenStore {
  get(): string | undefined;
  set(token: string): void;
}

// Blocked storage (privacy settings, sandboxed frames) throws SecurityError on
// access; a full one throws QuotaExceededError on write. Either way the token
// still works for this page, held in memory.
function isStorageUnavailable(err: unknown): boolean {
  return err instanceof DOMException && (err.name === "SecurityError" || err.name === "QuotaExceededError");
}

export function createTokenStore(openStorage: () => Storage): TokenStore {
  let memory: string | undefined;
  return {
    get() {
      if (memory !== undefined) return memory || undefined;
      try {
        return openStorage().getItem(TOKEN_STORAGE_KEY) || undefined;
      } catch (err) {
        if (isStorageUnavailable(err)) return undefined;
        throw err;
      }
    },
    set(token) {
      memory = token;
      try {
        openStorage().setItem(TOKEN_STORAGE_KEY, token);
      } catch (err) {
        if (!isStorageUnavailable(err)) throw err;
      }
    },
  };
}

/**
 * Moves a `#token=<t>` fragment into `store` and rewrites the address without it,
 * so the token never shows up in later URLs, bookmarks or shared links. Other
 * fragment parameters are kept. Call once, before anything reads `location.href`.
 */
export function adoptTokenFromFragment(location: Location, history: History, store: TokenStore): void {
  if (!location.hash.startsWith("#")) return;
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (token === null) return;
  params.delete("token");
  if (token.trim()) store.set(token.trim());
  const rest = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
}

/** WEB-2: the UI's settings live in localStorage under this key, as a JSON object. */
export const SETTINGS_STORAGE_KEY = "openclaw.control.settings.v1";
// Where earlier builds of this UI kept the bare token; read once and moved.
const LEGACY_TOKEN_KEY = "openclaw.gateway.token";

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

type Settings = Record<string, unknown>;

// The settings object may hold keys other UIs (or later versions) wrote; they are
// kept on write. Anything that is not a JSON object counts as no settings.
function readSettings(storage: Storage): Settings {
  const raw = storage.getItem(SETTINGS_STORAGE_KEY);
  if (raw === null) return {};
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Settings) : {};
  } catch (err) {
    if (err instanceof SyntaxError) return {};
    throw err;
  }
}

function tokenOf(settings: Settings): string | undefined {
  const token = settings["token"];
  return typeof token === "string" && token.trim() ? token.trim() : undefined;
}

function writeToken(storage: Storage, token: string): void {
  storage.setItem(SETTINGS_STORAGE_KEY, JSON.stringify({ ...readSettings(storage), token }));
}

/** Moves a token left under the legacy key into the settings object, unless they already hold one. */
function migrateLegacyToken(storage: Storage): void {
  const legacy = storage.getItem(LEGACY_TOKEN_KEY);
  if (legacy === null) return;
  if (legacy.trim() && !tokenOf(readSettings(storage))) writeToken(storage, legacy.trim());
  storage.removeItem(LEGACY_TOKEN_KEY);
}

export function createTokenStore(openStorage: () => Storage): TokenStore {
  let memory: string | undefined;
  let migrated = false;
  const storage = (): Storage => {
    const s = openStorage();
    if (!migrated) {
      migrated = true;
      migrateLegacyToken(s);
    }
    return s;
  };
  return {
    get() {
      if (memory !== undefined) return memory || undefined;
      try {
        return tokenOf(readSettings(storage()));
      } catch (err) {
        if (isStorageUnavailable(err)) return undefined;
        throw err;
      }
    },
    set(token) {
      memory = token;
      try {
        writeToken(storage(), token);
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

/** The package version, substituted at build time by `define` in vite.config.ts. */
declare const __OPENCLAW_UI_VERSION__: string;

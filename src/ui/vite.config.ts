import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig(() => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return {
    root: fileURLToPath(new URL(".", import.meta.url)),
    // Relative asset URLs, so the same build works under any gateway.controlUi.basePath.
    base: "./",
    define: { __OPENCLAW_UI_VERSION__: JSON.stringify(pkg.version) },
    build: {
      outDir: "../../dist/ui",
      emptyOutDir: true,
      // One chunk, so the module-preload polyfill would be dead weight.
      modulePreload: { polyfill: false },
    },
  };
});

/**
 * Preloaded into a gateway by `bench/model-layer.ts` (`node --import`): prints one stderr line the
 * first time a module of the model library is loaded, so the bench can tell when that happened
 * relative to the port opening and to the first turn.
 */
import { registerHooks } from "node:module";

let seen = false;
registerHooks({
  load(url, context, nextLoad) {
    if (!seen && url.includes("@earendil-works/pi-ai")) {
      seen = true;
      process.stderr.write(`[trace-imports] model library loaded: ${url}\n`);
    }
    return nextLoad(url, context);
  },
});

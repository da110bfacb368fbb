#!/usr/bin/env node
// Launcher that works under any Node: the CLI itself needs Node 24 (TypeScript type stripping).
// Older Nodes re-exec the Node 24 that `npm install` pinned, or say exactly what to do.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split(".")[0]);
const entry = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));

if (major >= REQUIRED_MAJOR) {
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
} else {
  const pinned = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (!existsSync(pinned)) {
    const root = fileURLToPath(new URL("..", import.meta.url));
    process.stderr.write(
      `openclaw needs Node.js ${REQUIRED_MAJOR} or newer, but this is Node ${process.versions.node}.\n` +
        `Run \`npm install\` in ${root} (it installs the pinned Node ${REQUIRED_MAJOR}), or install Node ${REQUIRED_MAJOR}+ and try again.\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [entry, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

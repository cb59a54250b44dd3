/**
 * Runs the built command line (dist/cli.js) without blocking the test's event loop, for tests that
 * serve something the command talks to (an HTTP stand-in, an in-process recorder).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./paths";
import type { CliResult } from "./cli";

/** Runs `pyde1-store ARGS` and resolves when it exits. */
export function cliAsync(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "dist/cli.js"), ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

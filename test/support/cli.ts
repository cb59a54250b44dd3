/** Runs the built command line (dist/cli.js) as a user would, capturing its output. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./paths";

/** What a command run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pyde1-store ARGS` (from dist/, built by `npm test`) and waits for it. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    input,
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the real sqlite3 CLI on a file and returns its trimmed output. */
export function sqlite3(file: string, sql: string): string {
  const r = spawnSync("sqlite3", [file, sql], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout.trim();
}

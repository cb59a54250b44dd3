/**
 * The built command line's `record` running as a real child process, for crash and fault tests:
 * its stderr collected line by line, waiting for a log line, real signals (SIGKILL, SIGTERM), and
 * its peak RSS (VmHWM) read from /proc before it exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./paths";

/** Node arguments that make the process print `maxrss KB` (its peak RSS, from the kernel) on stderr at exit. */
export const PEAK_RSS_AT_EXIT = [
  "--import",
  'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss "+process.resourceUsage().maxRSS+"\\n"))',
];

/** A running `pyde1-store ARGS` process. */
export class CliProcess {
  /** everything it wrote to stderr so far */
  stderr = "";
  /** everything it wrote to stdout so far */
  stdout = "";
  /** resolves with the exit code (or the signal's name) when it ends */
  readonly exited: Promise<number | string>;
  private readonly child: ChildProcess;

  /** `nodeArgs` go to node before the script (e.g. {@link PEAK_RSS_AT_EXIT}). */
  constructor(args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []) {
    this.child = spawn(process.execPath, [...nodeArgs, join(ROOT, "dist/cli.js"), ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d) => (this.stdout += d));
    this.child.stderr!.on("data", (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  }

  /** The process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /** True until it has exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Lines of stderr matching `re`. */
  lines(re: RegExp): string[] {
    return this.stderr.split("\n").filter((l) => re.test(l));
  }

  /** Waits until stderr holds `count` lines matching `re`; throws with the stderr on timeout or exit. */
  async waitFor(re: RegExp, ms = 20_000, count = 1): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.lines(re).length < count) {
      if (!this.running) throw new Error(`the recorder exited before logging ${re}:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in the recorder's stderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The peak RSS in bytes the process reported at exit (run with {@link PEAK_RSS_AT_EXIT}), or null. */
  reportedPeakRss(): number | null {
    const m = /^maxrss (\d+)$/m.exec(this.stderr);
    return m ? Number(m[1]) * 1024 : null;
  }

  /** Peak resident set size so far (VmHWM from /proc), in bytes; 0 once it has exited. */
  peakRss(): number {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  /** Sends a signal and waits for the exit. */
  async signal(sig: NodeJS.Signals): Promise<number | string> {
    if (this.running) this.child.kill(sig);
    return this.exited;
  }
}

/**
 * A real mosquitto broker for tests: started on a free loopback port with its own config in a
 * scratch folder (anonymous access, no persistence), stopped and started again on the same port
 * to simulate a broker restart. Needs /usr/sbin/mosquitto (`apt-get install -y mosquitto`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { scratch } from "./paths";

/** Where the broker program is. */
export const MOSQUITTO = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"].find((p) => existsSync(p)) ?? null;

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** True once something accepts TCP connections on the port. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: "127.0.0.1" });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/** A running test broker. */
export class Mosquitto {
  private child: ChildProcess | null = null;
  /** the broker's output, for failure messages */
  output = "";

  private constructor(
    /** the loopback port it listens on */
    readonly port: number,
    private readonly config: string,
  ) {}

  /** The broker URL (`mqtt://127.0.0.1:<port>`). */
  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /**
   * Starts a broker on a free loopback port (or `port`) and waits until it accepts connections.
   * `config` replaces the default access lines (`allow_anonymous true`).
   */
  static async start(port?: number, config: string[] = ["allow_anonymous true"]): Promise<Mosquitto> {
    if (!MOSQUITTO) throw new Error("mosquitto is not installed: apt-get install -y mosquitto");
    const p = port ?? (await freePort());
    const dir = scratch("pyde1-store-mosquitto-");
    const file = join(dir, "mosquitto.conf");
    writeFileSync(file, [`listener ${p} 127.0.0.1`, ...config, "persistence false", "log_dest stderr", ""].join("\n"));
    const broker = new Mosquitto(p, file);
    await broker.resume();
    return broker;
  }

  /** Starts the (stopped) broker again on the same port. */
  async resume(): Promise<void> {
    if (this.child) return;
    const child = spawn(MOSQUITTO!, ["-c", this.config], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    child.stdout!.on("data", (d) => (this.output += d));
    child.stderr!.on("data", (d) => (this.output += d));
    const deadline = Date.now() + 10_000;
    while (!(await accepting(this.port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${this.output}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port}: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the broker (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}

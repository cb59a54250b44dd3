/**
 * A real file system whose fsync fails with EIO and whose writes come up short on demand, and that
 * can tell what a power cut would leave (faulty-fs.py, a FUSE mount over a scratch folder; needs
 * root, /dev/fuse and Debian's python3-fusepy, which scripts/test.sh installs). The faults a tmpfs
 * or kill -9 cannot give: written data that the disk fails to make durable, a write(2) that takes
 * fewer bytes than asked, and written data that was never made durable gone after the cut.
 * Unmount in afterAll (or a finally), even on failure.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { scratch } from "./scratch";
import { until } from "./until";

const PYTHON = "/usr/bin/python3"; // Debian's own, which sees python3-fusepy
/** The project root when this file runs from its own place (the benchmarks, bundled elsewhere, pass theirs). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** How {@link FaultyFs.mount} mounts one. */
export interface MountOptions {
  /** keep what a power cut would leave ({@link FaultyFs.afterPowerCut}) */
  powerCut?: boolean;
  /** a folder whose files it starts with (durable) */
  seed?: string;
  /** the project's folder, where faulty-fs.py is found (by default this file's project) */
  root?: string;
}

/** A mounted faulty file system. */
export class FaultyFs {
  private mounted = true;
  private exited = false;

  private constructor(
    /** the mount point: files put here go through the faulty file system */
    readonly dir: string,
    /** the backing folder (where the bytes land) */
    readonly backing: string,
    private readonly control: string,
    private readonly daemon: ChildProcess,
  ) {
    daemon.on("exit", () => (this.exited = true));
  }

  /** Mounts one on a new scratch folder and waits until it answers. */
  static async mount(options: MountOptions = {}): Promise<FaultyFs> {
    const dir = scratch("pyde1-store-faulty-");
    const backing = scratch("pyde1-store-faulty-backing-");
    const control = scratch("pyde1-store-faulty-control-");
    if (options.seed) cpSync(options.seed, backing, { recursive: true });
    const script = join(options.root ?? ROOT, "test/support/faulty-fs.py");
    const args = [script, backing, dir, control, ...(options.powerCut ? ["--power-cut"] : [])];
    const daemon = spawn(PYTHON, args, { stdio: ["ignore", "ignore", "inherit"] });
    const fs = new FaultyFs(dir, backing, control, daemon);
    await until("the faulty file system to be mounted", () => {
      if (fs.exited) throw new Error("faulty-fs.py exited before mounting (is python3-fusepy installed? are we root?)");
      return readFileSync("/proc/mounts", "utf8").includes(` ${dir} fuse `);
    });
    return fs;
  }

  /**
   * From now on, fsync of every path containing `match` fails with EIO (every path by default;
   * `=/sub` only the path `/sub` itself, e.g. a folder's fsync). Paths are from the mount's root.
   * `skip`: the first `skip` such syncs still work.
   */
  failSync(match = "", options: { skip?: number } = {}): void {
    writeFileSync(join(this.control, "fail-fsync-skip"), String(options.skip ?? 0));
    writeFileSync(join(this.control, "fail-fsync"), match);
  }

  /** From now on, each fsync (of a file or a folder) waits `ms` first, as a slow disk's does (0: none). */
  slowSync(ms: number): void {
    writeFileSync(join(this.control, "fsync-delay-ms"), String(ms));
  }

  /** From now on, fsync works again. */
  healSync(): void {
    rmSync(join(this.control, "fail-fsync"), { force: true });
  }

  /**
   * From now on, each write to a path containing `match` takes at most `limit` bytes, and
   * write(2) returns that short count (under 4096 bytes through the page cache too, whose writes
   * reach the file system a page at a time). Node's fs calls write the rest themselves (libuv).
   */
  shortWrites(limit: number, match = ""): void {
    writeFileSync(join(this.control, "short-write"), `${limit} ${match}`);
  }

  /** From now on, writes take all their bytes again. */
  fullWrites(): void {
    rmSync(join(this.control, "short-write"), { force: true });
  }

  /** The writes shortened so far, as "PATH OFFSET ASKED LIMIT", in order. */
  shortened(): string[] {
    return this.logLines("short");
  }

  /** The paths (inside the mount, from its root) whose fsync failed, in order. */
  failedSyncs(): string[] {
    return this.logLines("failed");
  }

  /** The lines of one of the daemon's logs in the control folder (none when it has not written it). */
  private logLines(name: string): string[] {
    const log = join(this.control, name);
    return existsSync(log) && statSync(log).size > 0 ? readFileSync(log, "utf8").trimEnd().split("\n") : [];
  }

  /**
   * A new scratch folder holding what the mount's root folder would hold after a power cut now
   * (mounted with `powerCut`): the names as of the folder's last fsync, each file's bytes as of its
   * own last fsync (empty when it never had one). Stop every writer first.
   */
  afterPowerCut(): string {
    const target = scratch("pyde1-store-power-cut-");
    const durable = join(this.control, "durable");
    const names = JSON.parse(readFileSync(join(durable, "root.json"), "utf8")) as Record<string, number>;
    for (const [name, ino] of Object.entries(names)) {
      const bytes = join(durable, `ino-${ino}`);
      if (existsSync(bytes)) copyFileSync(bytes, join(target, name));
      else writeFileSync(join(target, name), "");
    }
    return target;
  }

  /** Mounts one (see {@link mount}), runs `body` on it, and unmounts it whatever happens. */
  static async using<T>(options: MountOptions, body: (fs: FaultyFs) => Promise<T> | T): Promise<T> {
    const fs = await FaultyFs.mount(options);
    try {
      return await body(fs);
    } finally {
      await fs.unmount();
    }
  }

  /** Unmounts (lazily, so an open file cannot keep it), stops the daemon, removes the folders. Idempotent. */
  async unmount(): Promise<void> {
    if (!this.mounted) return;
    this.mounted = false;
    spawnSync("umount", ["-l", this.dir]);
    if (!this.exited) {
      this.daemon.kill("SIGTERM");
      await until("the faulty file system's daemon to exit", () => this.exited);
    }
    for (const d of [this.dir, this.backing, this.control]) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * A folder whose fsync takes as long as asked, for the benchmark of ingest on a slow disk (an SD
 * card's fsync takes milliseconds; this machine's virtio disk's 0.1–0.4 ms). It is the FUSE file
 * system of the durability tests (test/support/faulty-fs.py, its `fsync-delay-ms` control), so it
 * needs root, /dev/fuse and Debian's python3-fusepy; without them {@link mountSlowDisk} returns
 * why. Every write goes through the FUSE daemon, which also makes writes slower than
 * on the disk below: compare the figures with each other, not with the other sections. Node only.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./common";

/** A mounted slow-fsync folder. */
export interface SlowDisk {
  /** the mount point */
  dir: string;
  /** From now on each fsync (of a file or a folder) waits `ms` first. */
  setFsyncDelay(ms: number): void;
  /** Unmounts it and removes its folders. */
  unmount(): Promise<void>;
}

/** Mounts a slow-fsync folder, or returns the reason this machine cannot. */
export async function mountSlowDisk(): Promise<SlowDisk | { unavailable: string }> {
  const python = "/usr/bin/python3";
  const script = join(ROOT, "test/support/faulty-fs.py");
  if (process.getuid?.() !== 0) return { unavailable: "needs root (a FUSE mount)" };
  if (!existsSync("/dev/fuse")) return { unavailable: "no /dev/fuse" };
  if (spawnSync(python, ["-c", "import fusepy"]).status !== 0) return { unavailable: "python3-fusepy is not installed (apt-get install python3-fusepy, or run npm test once)" };
  const dir = mkdtempSync(join(tmpdir(), "bench-slow-disk-"));
  const backing = mkdtempSync(join(tmpdir(), "bench-slow-disk-backing-"));
  const control = mkdtempSync(join(tmpdir(), "bench-slow-disk-control-"));
  const daemon = spawn(python, [script, backing, dir, control], { stdio: ["ignore", "ignore", "inherit"] });
  let exited = false;
  daemon.on("exit", () => (exited = true));
  const removeAll = () => {
    for (const d of [dir, backing, control]) rmSync(d, { recursive: true, force: true });
  };
  for (let waited = 0; !readFileSync("/proc/mounts", "utf8").includes(` ${dir} fuse `); waited += 50) {
    if (exited || waited > 10_000) {
      daemon.kill();
      removeAll();
      return { unavailable: "the FUSE file system did not mount" };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    setFsyncDelay: (ms) => writeFileSync(join(control, "fsync-delay-ms"), String(ms)),
    async unmount() {
      spawnSync("umount", ["-l", dir]);
      if (!exited) {
        daemon.kill("SIGTERM");
        while (!exited) await new Promise((r) => setTimeout(r, 20));
      }
      removeAll();
    },
  };
}

/**
 * A folder whose fsync takes as long as asked, for the benchmark of ingest on a slow disk (an SD
 * card's fsync takes milliseconds; this machine's virtio disk's 0.1–0.4 ms). It is the FUSE file
 * system of the durability tests (test/support/faulty-fs.ts), so it needs root, /dev/fuse and
 * Debian's python3-fusepy. Every write goes through the FUSE daemon, which also makes writes slower
 * than on the disk below: compare the figures with each other, not with the other sections.
 * Node only.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { FaultyFs } from "../../test/support/faulty-fs";
import { ROOT } from "./common";

/** Mounts a folder whose fsync can be slowed ({@link FaultyFs.slowSync}), or says why this machine cannot. */
export async function mountSlowDisk(): Promise<FaultyFs | { unavailable: string }> {
  if (process.getuid?.() !== 0) return { unavailable: "needs root (a FUSE mount)" };
  if (!existsSync("/dev/fuse")) return { unavailable: "no /dev/fuse" };
  if (spawnSync("/usr/bin/python3", ["-c", "import fusepy"]).status !== 0) {
    return { unavailable: "python3-fusepy is not installed (apt-get install python3-fusepy, or run npm test once)" };
  }
  try {
    return await FaultyFs.mount({ root: ROOT });
  } catch (e) {
    return { unavailable: `the FUSE file system did not mount (${(e as Error).message})` };
  }
}

/**
 * The one-writer lock beside a database file, `<file>.lock` (Node only). It holds the writer's
 * pid and this boot of the machine's id (`PID BOOT_ID`; the older `PID` alone is still read). A
 * lock whose owner is gone, or that was taken before the machine restarted, is taken over.
 */
import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { LockedError, StoreError } from "../errors";

/**
 * This boot of the machine (Linux's `/proc/sys/kernel/random/boot_id`), or null where there is none.
 * A lock file keeps it beside the pid: after a power cut and a restart, the pid in a lock left
 * behind may belong to another program by then, and must not keep the recorder from starting.
 */
function bootId(): string | null {
  try {
    const id = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return /^[\w-]+$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * Who holds a lock file (`PID` or `PID BOOT_ID`): its pid (0 when unreadable, e.g. a file a power
 * cut left empty) and whether it was taken in an earlier boot of this machine.
 */
function lockOwner(text: string): { pid: number; otherBoot: boolean } {
  const [pid, boot] = text.trim().split(/\s+/);
  const now = boot ? bootId() : null;
  return { pid: Number(pid) || 0, otherBoot: boot !== undefined && now !== null && boot !== now };
}

/** True when a process with this pid is running. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `<file>.lock` and returns its path. Throws {@link LockedError} when a live process of this
 * boot holds it, and a {@link StoreError} saying what to do when the folder is not writable.
 */
export function takeLock(file: string): string {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      const boot = bootId();
      writeSync(fd, boot ? `${process.pid} ${boot}\n` : `${process.pid}\n`);
      closeSync(fd);
      return lock;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EROFS" || code === "EACCES" || code === "EPERM") {
        throw new StoreError(
          file,
          `${file}: cannot write in ${dirname(file)} (${code}: ${code === "EROFS" ? "a read-only file system" : "permission denied"}); ` +
            `recording needs a writable folder for the file, its lock and its journal. Remount it read-write, fix its permissions, or use --db elsewhere.`,
        );
      }
      if (code !== "EEXIST") throw e;
      const owner = lockOwner(readFileSync(lock, "utf8"));
      if (owner.pid === process.pid && !owner.otherBoot) throw new LockedError(file, owner.pid);
      if (!owner.otherBoot && processAlive(owner.pid)) throw new LockedError(file, owner.pid);
      unlinkSync(lock); // stale: its owner is gone, or ran before the machine restarted
    }
  }
  throw new LockedError(file, -1);
}

/**
 * The pid of the live process of this boot that holds `<file>.lock`, or null when none does (no
 * lock, or one its owner left behind). Reads only.
 */
export function lockHolder(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(`${file}.lock`, "utf8");
  } catch {
    return null;
  }
  const owner = lockOwner(text);
  return !owner.otherBoot && processAlive(owner.pid) ? owner.pid : null;
}

/** Removes a lock this process took (and nothing else: a lock another process took over stays). */
export function releaseLock(lock: string): void {
  try {
    const owner = lockOwner(readFileSync(lock, "utf8"));
    if (owner.pid === process.pid && !owner.otherBoot) unlinkSync(lock);
  } catch {
    // already gone
  }
}

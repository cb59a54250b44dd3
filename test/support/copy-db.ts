/** Copying a fixture database (and its -wal, when there is one) into a scratch folder. */
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";

/** Copies `src` and, when present, `src-wal` to `dir/name`; returns the copy's path. */
export function copyDatabase(src: string, dir: string, name = "pyde1.sqlite3"): string {
  const dst = join(dir, name);
  copyFileSync(src, dst);
  if (existsSync(`${src}-wal`)) copyFileSync(`${src}-wal`, `${dst}-wal`);
  return dst;
}

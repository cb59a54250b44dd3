/**
 * Writing a command's output file without ever leaving half a file: the bytes go to
 * `<OUT>.tmp-<pid>` in the same folder, are fsynced, then renamed over OUT, and the folder is
 * fsynced (a file reported written survives a power cut). Failures become one-line messages that
 * name the path and say what to do.
 */
import { accessSync, closeSync, linkSync, constants, existsSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fsyncPath } from "../store/persist/fsync-path";

/** An output file could not be written; the message names the path, the problem and the fix. */
export class OutputFileError extends Error {
  override name = "OutputFileError";
  /** the path we tried to write */
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/** Why writing into `path` fails, as a one-line message, or null when it may succeed. */
export function outputProblem(path: string): string | null {
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) return `${path}: cannot write it: the folder ${dir} does not exist. Create it first, or choose another output path.`;
  if (!statSync(dir).isDirectory()) return `${path}: cannot write it: ${dir} is not a folder. Choose another output path.`;
  if (existsSync(path) && statSync(path).isDirectory()) return `${path}: is a folder. Name a file to write, e.g. ${path}/shot.txt.`;
  if (!folderWritable(dir)) return `${path}: cannot write it: the folder ${dir} is read-only. Choose a folder you may write to.`;
  return null;
}

/**
 * True when we may create files in `dir`. Root passes every access check, so for root a folder
 * with no write bit at all (e.g. mode 555) also counts as read-only: someone made it so on purpose.
 */
export function folderWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return false;
  }
  if (typeof process.getuid === "function" && process.getuid() === 0) return (statSync(dir).mode & 0o222) !== 0;
  return true;
}

/** Turns a file-system error while writing `path` into an OutputFileError. */
export function outputError(path: string, e: unknown): OutputFileError {
  const err = e as NodeJS.ErrnoException;
  const dir = dirname(resolve(path));
  switch (err.code) {
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new OutputFileError(path, `${path}: cannot write it: permission denied in ${dir}. Choose a folder you may write to.`);
    case "ENOENT":
      return new OutputFileError(path, `${path}: cannot write it: the folder ${dir} does not exist. Create it first, or choose another output path.`);
    case "EEXIST":
      return new OutputFileError(path, `${path}: already exists; not overwriting it. Choose another name.`);
    case "ENOSPC":
      return new OutputFileError(path, `${path}: cannot write it: the disk is full. Free some space and try again.`);
    default:
      return new OutputFileError(path, `${path}: cannot write it: ${err.message ?? String(e)}.`);
  }
}

/**
 * Writes `data` to `path` atomically and durably (temp file, fsync, rename, fsync of the folder).
 * With `exclusive`, refuses to replace an existing file (the final step is a hard link, which fails
 * rather than replace). With `syncFolder: false` the folder is not fsynced: a caller writing many
 * files into one folder fsyncs it once at the end. On failure nothing is left behind and an
 * OutputFileError is thrown.
 */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: { exclusive?: boolean; mode?: number; syncFolder?: boolean } = {},
): void {
  const problem = outputProblem(path);
  if (problem) throw new OutputFileError(path, problem);
  if (options.exclusive && existsSync(path)) {
    throw new OutputFileError(path, `${path}: already exists; not overwriting it. Choose another name.`);
  }
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const tmp = `${path}.tmp-${process.pid}`;
  let fd = -1;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, options.mode ?? 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, Math.min(bytes.length - off, 1 << 24));
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    if (options.exclusive) {
      linkSync(tmp, path); // fails with EEXIST instead of replacing a file that appeared meanwhile
      unlinkSync(tmp);
    } else {
      renameSync(tmp, path);
    }
    if (options.syncFolder !== false) fsyncPath(dirname(resolve(path))); // the new name durable too
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to remove
    }
    throw outputError(path, e);
  }
}

/**
 * Making a file's bytes, or a folder's names, durable (Node only): what a save's rename, a new
 * journal and an export's file each need before they are reported done.
 */
import { closeSync, constants, fsyncSync, openSync } from "node:fs";

/** Makes what `path` holds durable: a file's bytes, or a folder's names (a rename or a new file in it). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

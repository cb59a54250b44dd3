/**
 * The main job's own daily backup (`--backup-to DIR`). Once a day, at a moment no sequence is being
 * recorded, the file is saved and then backed up by `pyde1-store backup --compress gzip`, run as a
 * child process (its memory and CPU are not the recorder's, and it is the very command a cron line
 * would run). Then backups in DIR older than `--backup-keep` days are removed. A backup is due when
 * DIR holds none from the last 24 hours: one is made soon after the first start, and after the
 * machine was off when one was due.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { BACKUP_FILE_NAME } from "../export/backup";
import type { Log } from "../recorder/log";

/** Settings of {@link startDailyBackup}. */
export interface DailyBackupOptions {
  /** the folder the backups go to (it exists) */
  dir: string;
  /** remove backups older than this many days after each new one; 0 keeps them all */
  keepDays: number;
  /** the database file */
  db: string;
  log: Log;
  /** true while a sequence is being recorded (no backup then) */
  busy: () => boolean;
  /** saves what the recorder holds, so the backup has it */
  save: () => Promise<void>;
  /** how often to look whether one is due, ms (default 10 minutes) */
  checkMs?: number;
  /** when to look first, ms after the start (default 2 s) */
  firstMs?: number;
  /** how long a sequence being recorded puts a due backup off, ms (default 1 minute, at most `checkMs`) */
  busyMs?: number;
  /** the command line script that runs `backup` (default: the one running now, process.argv[1]) */
  cli?: string;
}

const DAY_MS = 86_400_000;

/** The backups in `dir` (names `backup` gives) with their modification times, newest first. */
function backupsIn(dir: string): { path: string; mtimeMs: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => BACKUP_FILE_NAME.test(n))
    .map((n) => ({ path: join(dir, n), mtimeMs: statSync(join(dir, n)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
}

/** True when `dir` holds no backup made in the last 24 hours. */
export function backupDue(dir: string, now = Date.now()): boolean {
  const newest = backupsIn(dir)[0];
  return !newest || now - newest.mtimeMs >= DAY_MS;
}

/** Removes the backups in `dir` older than `keepDays` days (never the newest); returns their paths. */
export function pruneBackups(dir: string, keepDays: number, now = Date.now()): string[] {
  if (keepDays <= 0) return [];
  const [, ...older] = backupsIn(dir);
  const removed: string[] = [];
  for (const b of older) {
    if (now - b.mtimeMs < keepDays * DAY_MS) continue;
    unlinkSync(b.path);
    removed.push(b.path);
  }
  return removed;
}

/** Runs `pyde1-store backup` in a child process; resolves with its exit code and output. */
function runBackup(cli: string, db: string, dir: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, "backup", "--db", db, "--to", dir, "--compress", "gzip"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    child.on("error", (e) => resolve({ code: -1, out, err: e.message }));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** Starts looking for a due backup; `stop` waits for one that is running. */
export function startDailyBackup(o: DailyBackupOptions): { stop(): Promise<void> } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  const every = o.checkMs ?? 600_000;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      let next = every;
      running = check((ms) => (next = ms))
        .catch((e) => o.log("error", `backup: ${(e as Error).message}; trying again in ${Math.round(every / 60_000)} min`))
        .finally(() => {
          running = null;
          schedule(next);
        });
    }, ms);
    timer.unref();
  };
  /** Makes a backup when one is due; a sequence being recorded puts it off (a minute by default). */
  const check = async (again: (ms: number) => void) => {
    if (!backupDue(o.dir)) return;
    if (o.busy()) return again(Math.min(every, o.busyMs ?? 60_000));
    await o.save();
    if (stopped) return;
    const { code, out, err } = await runBackup(o.cli ?? process.argv[1]!, o.db, o.dir);
    if (code !== 0) {
      o.log("error", `backup: into ${o.dir} failed (${err.trim().split("\n").pop() || `exit ${code}`}); trying again in ${Math.round(every / 60_000)} min`);
      return;
    }
    const [path, facts] = out.trim().split("\n");
    o.log("info", `backup: ${path}${facts ? ` (${facts.trim()})` : ""}`);
    for (const removed of pruneBackups(o.dir, o.keepDays)) o.log("info", `backup: removed ${removed}, older than ${o.keepDays} days`);
  };
  schedule(o.firstMs ?? 2000);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) {
        o.log("info", "backup: waiting for the backup in progress to finish");
        await running;
      }
    },
  };
}

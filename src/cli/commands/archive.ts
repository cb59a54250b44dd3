/** `pyde1-store archive`: move whole sequences that ended before a date into an archive database. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "../command";
import { required, UsageError } from "../command";
import { closeRead, openForRead, openForWrite, saveNow } from "../open-db";
import type { PersistentStore } from "../../store/persistent-store";
import { NotPyde1Error } from "../../store/errors";
import { checkCatalog, CURRENT_VERSION, inspectSchema, upgradeSchema } from "../../store/schema";
import { ArchiveError, copyToArchive, deleteArchived, planArchive, type ArchivePlan } from "../../export/archive";

/** The `archive` command. */
export const archive: Command = {
  name: "archive",
  summary: "move sequences that ended before a date into an archive database",
  help: `Usage: pyde1-store archive --db FILE --before YYYY-MM-DD --to ARCHIVE.sqlite3 [--dry-run]

Moves every sequence whose end_sequence is before local midnight starting YYYY-MM-DD — its master
row and its rows in all 13 notification tables — from FILE into ARCHIVE, a database with the same
pyDE1 v3 schema (created when missing, appended to otherwise), and copies the profiles those
sequences use (once per profile id). The archive's row counts are checked before anything is
deleted from FILE; then both files are saved atomically (temp file, fsync, rename).
Unfinished sequences (no end_sequence) stay in FILE. Keeping FILE small keeps saves cheap. Bring
sequences back with 'pyde1-store import --from ARCHIVE --db FILE', or query both with ATTACH:
  sqlite3 FILE "ATTACH 'ARCHIVE' AS a; SELECT count(*) FROM a.sequence"

Refuses, changing neither file: an ARCHIVE that is not a pyDE1 v3 database, a FILE with a -wal or
-shm beside it (pyDE1 or another SQLite writer has it open: stop it first), or a FILE another
pyde1-store process is writing. An older FILE is upgraded to v3 first, with a backup, as 'migrate' does.

Options:
  --db FILE               the live database
  --before YYYY-MM-DD     move sequences that ended before this day (local time)
  --to ARCHIVE.sqlite3    the archive database
  --dry-run               print what would move (sequences, rows per table); change nothing
  -h, --help              show this help`,
  options: { db: { type: "string" }, before: { type: "string" }, to: { type: "string" }, "dry-run": { type: "boolean" } },
  async run(args) {
    const path = required(args, "db");
    const to = required(args, "to");
    const before = parseDay(required(args, "before"));
    const dryRun = args.values["dry-run"] === true;
    if (resolve(path) === resolve(to)) throw new UsageError("--to must be another file than --db");

    const arch = await openArchive(to, dryRun);
    let live: PersistentStore | null = null;
    try {
      live = dryRun ? await openForRead(path) : await openForWrite(path, { create: false });
      const plan = planArchive(live.store, before.epoch, arch?.store ?? null);
      printPlan(plan, path, to, before.text, dryRun);
      if (dryRun || plan.sequences.length === 0) return 0;
      copyToArchive(live.store, arch!.store, plan);
      await saveNow(arch!);
      deleteArchived(live.store, plan);
      await saveNow(live);
      console.log(`archive verified: ${plan.rows.sequence} sequences and their rows are in ${to}; removed from ${path}`);
      return 0;
    } finally {
      if (live) await closeRead(live);
      if (arch) await closeRead(arch);
    }
  },
};

/** YYYY-MM-DD as local midnight, in epoch seconds. */
function parseDay(text: string): { text: string; epoch: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
  if (!m || !date || date.getMonth() !== Number(m[2]) - 1 || date.getDate() !== Number(m[3])) {
    throw new UsageError(`--before must be a date YYYY-MM-DD, not '${text}'`);
  }
  return { text, epoch: date.getTime() / 1000 };
}

/**
 * Opens the archive: in a dry run read-only (null when it does not exist yet); otherwise for
 * writing, created when missing. Refuses anything but a pyDE1 v3 database, before any change.
 */
async function openArchive(path: string, dryRun: boolean): Promise<PersistentStore | null> {
  if (dryRun && !existsSync(path)) return null;
  const ps = await (dryRun ? openForRead(path) : openForWrite(path, { create: true, upgrade: false })).catch((e) => {
    if (!(e instanceof NotPyde1Error)) throw e;
    throw new ArchiveError(`${path}: an SQLite database without pyDE1's tables. Give --to an archive made by 'archive', or a new path; nothing was changed.`);
  });
  try {
    const state = inspectSchema(ps.store.db, path);
    if (state.version !== CURRENT_VERSION) {
      throw new ArchiveError(
        `${path}: is a pyDE1 schema ${state.version} database; an archive must be v3 like the live file. ` +
          `Upgrade it with 'pyde1-store migrate --db ${path}', or choose a new --to file. Nothing was changed.`,
      );
    }
    if (state.userVersion !== CURRENT_VERSION && !dryRun) upgradeSchema(ps.store.db, state.userVersion); // pyDE1's v3 file says 2
    checkCatalog(ps.store.db, path);
    return ps;
  } catch (e) {
    await closeRead(ps);
    throw e;
  }
}

/** Prints the sequences and rows per table that move (or would move). */
function printPlan(plan: ArchivePlan, path: string, to: string, day: string, dryRun: boolean): void {
  const verb = dryRun ? "would move" : "moving";
  console.log(`${verb} ${plan.sequences.length} sequences that ended before ${day} from ${path} to ${to}`);
  for (const s of plan.sequences) {
    const when = new Date(s.end_sequence * 1000).toISOString();
    console.log(`  ${s.id}  ${(s.active_state ?? "?").padEnd(13)} ended ${when}${s.alreadyArchived ? "  (already in the archive)" : ""}`);
  }
  console.log("rows per table:");
  const width = Math.max(...Object.keys(plan.rows).map((t) => t.length));
  for (const [t, n] of Object.entries(plan.rows)) console.log(`  ${t.padEnd(width)}  ${n}`);
  console.log(`profiles: ${plan.profiles.length} referenced, ${plan.newProfiles.length} new in the archive`);
  if (plan.incompleteLeft > 0) console.log(`left in place: ${plan.incompleteLeft} unfinished sequences (no end_sequence)`);
}

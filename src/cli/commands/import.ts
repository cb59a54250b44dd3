/** `pyde1-store import`: copy the sequences another pyDE1 database holds and FILE lacks into FILE. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "../command";
import { required, UsageError } from "../command";
import { closeRead, openForRead, openForWrite, saveNow } from "../open-db";
import { loadNodeSqlJs } from "../../store/persist/sqljs-node";
import { Store } from "../../store/store";
import type { PersistentStore } from "../../store/persistent-store";
import { CURRENT_VERSION, inspectSchema, upgradeSchema } from "../../store/schema";
import { copyToArchive, planImport, type ArchivedSequence, type ImportPlan } from "../../export/archive";
import { localDateTime } from "../local-date-time";

/** The `import` command. */
export const importSequences: Command = {
  name: "import",
  summary: "copy the sequences of another pyDE1 database (pyDE1's own, an archive) into a database",
  help: `Usage: pyde1-store import --from OTHER.sqlite3 --db FILE [--replace-partial] [--dry-run]

Copies into FILE every finished sequence of OTHER that FILE does not hold yet (by sequence id):
its master row, its rows in all 13 notification tables, and the profile it uses (once per profile
id). OTHER may be pyDE1's own database (a live one's -wal is applied; nothing is written to it), an
archive 'archive' made, or a backup. So the recorder's file gets the history from before it ran,
or archived sequences come back.

A sequence FILE already holds is left as FILE has it; one OTHER has not finished (still being
recorded) is not copied. FILE may hold a sequence only partly (its recorder started in the middle
of the shot, or stopped): OTHER's finished copy has more rows, and no table fewer. Those are
counted and named by --dry-run; --replace-partial replaces FILE's partial copy with OTHER's whole.

The copy is checked (rows per table against OTHER) before FILE is saved atomically (temp file,
fsync, rename). FILE is created when missing; an older FILE is upgraded to v3 first, with a
backup, as 'migrate' does. Refuses, changing nothing, while the recorder (or any
other writer) has FILE open: stop it first, import, then start it again.

Options:
  --from OTHER    the database to copy from (read only)
  --db FILE       the database to copy into
  --replace-partial
                  replace the sequences FILE holds only partly with OTHER's copy (all
                  their rows; the rest of FILE is left as it is)
  --dry-run       print what would be copied; change nothing
  -h, --help      show this help

Example (the history pyDE1 recorded before pyde1-store ran):
  sudo systemctl stop pyde1-store
  pyde1-store import --from /var/lib/pyde1/pyde1.sqlite3 --db /var/lib/pyde1-store/pyde1.sqlite3
  sudo systemctl start pyde1-store`,
  options: { from: { type: "string" }, db: { type: "string" }, "replace-partial": { type: "boolean" }, "dry-run": { type: "boolean" } },
  async run(args) {
    const from = required(args, "from");
    const path = required(args, "db");
    const dryRun = args.values["dry-run"] === true;
    const replacePartial = args.values["replace-partial"] === true;
    if (resolve(from) === resolve(path)) throw new UsageError("--from must be another file than --db");
    const source = await openSource(from);
    let target: PersistentStore | null = null;
    let empty: Store | null = null;
    try {
      if (dryRun && !existsSync(path)) empty = Store.create(await loadNodeSqlJs(), path);
      else target = dryRun ? await openForRead(path) : await openForWrite(path, { create: true });
      const plan = planImport(source.store, target?.store ?? empty!, { replacePartial });
      printPlan(plan, from, path, dryRun, replacePartial);
      if (dryRun || plan.sequences.length === 0) return 0;
      if (target!.backupPath) console.log(`${path} was upgraded to schema v3 first; the original is at ${target!.backupPath}`);
      copyToArchive(source.store, target!.store, plan);
      await saveNow(target!);
      const n = plan.rows.sequence;
      console.log(`import verified: ${n} sequence${n === 1 ? "" : "s"} and ${n === 1 ? "its" : "their"} rows are in ${path}`);
      return 0;
    } finally {
      empty?.close();
      if (target) await closeRead(target);
      await closeRead(source);
    }
  },
};

/** Opens OTHER for reading; an older schema is brought to v3 in memory (the file is never written). */
async function openSource(from: string): Promise<PersistentStore> {
  const ps = await openForRead(from);
  try {
    const state = inspectSchema(ps.store.db, from);
    if (state.userVersion !== CURRENT_VERSION) upgradeSchema(ps.store.db, state.userVersion);
    return ps;
  } catch (e) {
    await closeRead(ps);
    throw e;
  }
}

/** One sequence as --dry-run lists it. */
const line = (s: ArchivedSequence) => `  ${s.id}  ${(s.active_state ?? "?").padEnd(13)} started ${localDateTime(s.start_sequence)}`;

/** Prints what is (or would be) copied. */
function printPlan(plan: ImportPlan, from: string, path: string, dryRun: boolean, replacePartial: boolean): void {
  const n = plan.sequences.length;
  const partial = plan.partly.length;
  const kept = plan.present - (replacePartial ? partial : 0);
  const skipped = [
    kept > 0 ? `${kept} already in ${path}` : "",
    !replacePartial && partial > 0 ? `${partial} of them held only partly (see --replace-partial)` : "",
    plan.unfinished > 0 ? `${plan.unfinished} not finished in ${from}` : "",
  ].filter(Boolean);
  const replacing = replacePartial && partial > 0 ? `, ${partial} of them replacing partial copies` : "";
  console.log(`${dryRun ? "would copy" : "copying"} ${n} sequence${n === 1 ? "" : "s"} from ${from} into ${path}${replacing}${skipped.length ? ` (left out: ${skipped.join(", ")})` : ""}`);
  if (dryRun && !replacePartial && partial > 0) {
    console.log(`held only partly in ${path} (left as they are without --replace-partial):`);
    for (const s of plan.partly) console.log(line(s));
  }
  if (n === 0) return;
  const first = plan.sequences[0]!;
  const last = plan.sequences[n - 1]!;
  console.log(`  started ${localDateTime(first.start_sequence)} to ${localDateTime(last.start_sequence)}`);
  if (dryRun) for (const s of plan.sequences) console.log(`${line(s)}${s.replacesPartial ? "  (replaces the partial copy)" : ""}`);
  console.log("rows per table:");
  const width = Math.max(...Object.keys(plan.rows).map((t) => t.length));
  for (const [t, count] of Object.entries(plan.rows)) console.log(`  ${t.padEnd(width)}  ${count}`);
  console.log(`profiles: ${plan.profiles.length} used, ${plan.newProfiles.length} new in ${path}`);
}

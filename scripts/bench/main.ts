/**
 * `npm run bench`: every benchmark of issue 8, in one run, as ratios on the same data. Each
 * measurement runs in a fresh child process (this script again with `--task`, or python3, or the
 * built CLI), a few times; the median is reported with the spread of the runs. Results go to
 * bench-data/results.json and a Markdown table on stdout.
 *
 * Usage (via scripts/bench.mjs): main.ts [--quick] [--only a,b] [--deps DIR]
 *   --quick   one run each and short durability runs (for checking the harness)
 *   --only    ingest,slow-fsync,record,save,open,durability,slow-cpu,legacy,viewer
 *   --task …  internal: run one measured task (see tasks.ts)
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CATALOG, columnsOf } from "../../src/catalog";
import { DATA, ROOT, captureFile, folder, median, sig, spread } from "./common";
import { databasePath, ensureDatabases } from "./databases";
import { slowCpu } from "./slow-cpu";
import { mountSlowDisk } from "./slow-disk";
import { runTask } from "./tasks";

if (process.argv[2] === "--task") {
  await runTask(process.argv.slice(3));
  process.exit(0);
}

const { values } = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" }, deps: { type: "string" } } });
const quick = values.quick === true;
const only = new Set((values.only ?? "ingest,slow-fsync,record,save,open,durability,slow-cpu,legacy,viewer").split(","));
const RUNS = quick ? 1 : 3;
/** Runs of the noisier measurements (ingest, save, open, the legacy shot file). */
const RUNS_LONG = quick ? 1 : 5;
const SELF = process.argv[1];
const SCHEMA = join(ROOT, "schema/v3.sql");
const WORK = folder(join(DATA, "work"));
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

/** One result row of the report. */
interface Figure {
  section: string;
  what: string;
  value: number;
  unit: string;
  runs?: number[];
  command: string;
  note?: string;
}
const figures: Figure[] = [];
const ratios: { what: string; ratio: number; target: string; met: boolean | null; note?: string }[] = [];
const extra: Record<string, unknown> = {};

/** Runs a command and returns its stdout (throws with stderr on failure). */
function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { stdout: string; stderr: string; ms: number } {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26, cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env } });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr?.slice(-2000)}`);
  return { stdout: r.stdout, stderr: r.stderr, ms };
}

/** Runs one task of tasks.ts in a child node (after `prefix`, a command that runs it) and parses its JSON line. */
function task<T>(args: string[], options: { timeV?: boolean; env?: NodeJS.ProcessEnv; prefix?: string[] } = {}): T & { timeMaxRssKb?: number } {
  const argv = [...(options.prefix ?? []), ...(options.timeV ? ["/usr/bin/time", "-v"] : []), process.execPath, SELF, "--task", ...args];
  const r = run(argv[0], argv.slice(1), { env: options.env });
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as T & { timeMaxRssKb?: number };
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (m) out.timeMaxRssKb = Number(m[1]);
  return out;
}

/** Repeats `f` RUNS times; returns the values of `pick`. */
function repeat<T>(f: () => T, n = RUNS): T[] {
  return Array.from({ length: n }, f);
}

/** A measurement run several times by {@link inTurns}. */
interface Job {
  runs: number;
  run: () => unknown;
}

/**
 * Runs several measurements in turns: round r runs, in the order given, every job that has an r-th
 * run. A slower stretch of the machine (they last minutes here, see BENCHMARKS.md "Noise") then
 * falls on all of them alike, and a ratio compares runs made side by side, not one job's runs
 * against another's made minutes later. Returns each job's results in run order.
 */
function inTurns(jobs: Record<string, Job>, onRound: (round: number, rounds: number) => void = () => {}): Record<string, unknown[]> {
  const results: Record<string, unknown[]> = Object.fromEntries(Object.keys(jobs).map((name) => [name, []]));
  const rounds = Math.max(...Object.values(jobs).map((j) => j.runs));
  for (let round = 0; round < rounds; round++) {
    onRound(round + 1, rounds);
    for (const [name, job] of Object.entries(jobs)) if (round < job.runs) results[name].push(job.run());
  }
  return results;
}

const sh = (s: string) => run("bash", ["-c", s]).stdout.trim();

// ---- the machine ----
const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "?";
const machine = {
  cores: cpus().length,
  cpu: cpuModel,
  node: process.version,
  python: sh("python3 --version"),
  pythonSqlite: sh(`python3 -c "import sqlite3; print(sqlite3.sqlite_version)"`),
  sqlite3Cli: sh("sqlite3 --version | cut -d' ' -f1"),
  memory: sh("free -g | awk '/Mem:/ {print $2\" GB\"}'"),
  filesystem: sh(`df -T ${JSON.stringify(DATA)} | awk 'NR==2 {print $2}'`),
  load: sh("cat /proc/loadavg"),
};
log(`machine: ${JSON.stringify(machine)}`);

// ---- data ----
const capture = captureFile(20, 1);
const catalogJson = join(WORK, "catalog.json");
writeFileSync(catalogJson, JSON.stringify(Object.fromEntries(CATALOG.map((c) => [c.name, [c.table, columnsOf(c).slice(1)]]))));
const depsDir = values.deps ?? join(ROOT, "node_modules/.cache/bench-deps/node_modules");
const haveNative = existsSync(join(depsDir, "better-sqlite3"));

/** What the Python pyDE1 pattern reports, with the whole process's wall time. */
type PyPattern = { notifications: number; rows: number; loop_seconds: number; total_seconds: number; rate: number; wallMs: number };

/** Runs the Python pyDE1 pattern (scripts/bench/pyde1_pattern.py) over `input` into a new database in `dir`. */
function pythonPattern(input: string, dir = WORK): PyPattern {
  const db = join(dir, "py-pattern.sqlite3");
  for (const s of ["", "-wal", "-shm"]) rmSync(db + s, { force: true });
  const r = run("python3", [join(ROOT, "scripts/bench/pyde1_pattern.py"), SCHEMA, catalogJson, input, db]);
  return { ...(JSON.parse(r.stdout) as Omit<PyPattern, "wallMs">), wallMs: r.ms };
}

// ---- 1. recorder ingest ----
if (only.has("ingest")) {
  type Ingest = { notifications: number; rows: number; ms: number; rate: number; fsyncs: number };
  type Steady = Ingest & { passRates: number[] };
  type Nat = { notifications: number; rowsParse: number; parseRate: number; rowsInsert: number; insertRowRate: number; insertNotificationRate: number };
  type Ins = { rows: number; ms: number; rowRate: number };
  const cmd = "node scripts/bench.mjs --only ingest";
  const BREAKDOWN: Record<string, string> = {
    "no-journal": "breakdown: ours without the journal",
    parsed: "breakdown: ours with the capture already read and split into events (untimed)",
    baseline: "breakdown: ours with sql.js compiled as commands that end compile it (baseline code, as `record --from-capture`)",
  };
  if (haveNative) {
    BREAKDOWN.native =
      "breakdown: ours (the same recorder, Store and Journal) on better-sqlite3 in memory instead of sql.js (bench only: scripts/bench/native-engine.ts)";
  }
  // every measurement of the section in turns: the ratios compare runs made side by side
  const jobs: Record<string, Job> = {
    ours: { runs: RUNS_LONG, run: () => task<Ingest>(["ingest", capture]) },
    python: { runs: RUNS, run: () => pythonPattern(capture) },
    steady: { runs: RUNS, run: () => task<Steady>(["ingest", capture, "steady"]) },
    ...Object.fromEntries(
      Object.keys(BREAKDOWN).map((mode): [string, Job] => [mode, { runs: RUNS, run: () => task<Ingest>(["ingest", capture, mode, ...(mode === "native" ? [depsDir] : [])]) }]),
    ),
    ...(haveNative ? { "better-sqlite3": { runs: RUNS, run: () => task<Nat>(["native", capture, SCHEMA, depsDir]) }, insert: { runs: RUNS, run: () => task<Ins>(["insert", capture]) } } : {}),
  };
  log(`ingest: in turns, ${Object.entries(jobs).map(([name, j]) => `${name} x${j.runs}`).join(", ")}`);
  const results = inTurns(jobs, (round, rounds) => log(`ingest: round ${round} of ${rounds}`));
  const ours = results.ours as Ingest[];
  const oursRate = median(ours.map((r) => r.rate));
  figures.push({ section: "ingest", what: `ours: recorder + Journal, sql.js compiled and warmed up as the live recorder does it (optimized code), ${ours[0].notifications} notifications → ${ours[0].rows} rows`, value: oursRate, unit: "notifications/s", runs: ours.map((r) => r.rate), command: cmd });
  const breakdown: Record<string, number> = {};
  for (const [mode, what] of Object.entries(BREAKDOWN)) {
    const part = results[mode] as Ingest[];
    // every variant must store what the measured ingest stores, or it measures other work
    const wrong = part.find((r) => r.rows !== ours[0].rows);
    if (wrong) throw new Error(`bench: ingest ${mode} stored ${wrong.rows} rows, the full ingest ${ours[0].rows}`);
    breakdown[mode] = median(part.map((r) => r.rate));
    figures.push({ section: "ingest", what, value: breakdown[mode], unit: "notifications/s", runs: part.map((r) => r.rate), command: `node main.mjs --task ingest CAPTURE ${mode}${mode === "native" ? " DEPS" : ""}` });
  }
  const py = results.python as PyPattern[];
  const pyRate = median(py.map((r) => r.rate));
  figures.push({ section: "ingest", what: `Python pyDE1 pattern (INSERT+COMMIT per row, WAL, synchronous default), ${py[0].rows} rows`, value: pyRate, unit: "notifications/s", runs: py.map((r) => r.rate), command: `python3 scripts/bench/pyde1_pattern.py schema/v3.sql CATALOG.json CAPTURE DB` });
  ratios.push({ what: "ingest: ours / Python pattern", ratio: oursRate / pyRate, target: ">= 15x", met: oursRate / pyRate >= 15 });
  const steady = results.steady as Steady[];
  const steadyRate = median(steady.map((r) => r.rate));
  const secondPass = steady.map((r) => r.passRates[1]);
  figures.push({ section: "ingest", what: "ours, the second pass of the same ingest in one process (the JIT part-way warm)", value: median(secondPass), unit: "notifications/s", runs: secondPass, command: "node main.mjs --task ingest CAPTURE steady (passRates)" });
  figures.push({ section: "ingest", what: "ours, steady state: the third pass of the same ingest in one process (JIT-warm, as a long-running recorder is)", value: steadyRate, unit: "notifications/s", runs: steady.map((r) => r.rate), command: "node main.mjs --task ingest CAPTURE steady" });
  ratios.push({ what: "ingest, steady state: ours / Python pattern", ratio: steadyRate / pyRate, target: ">= 15x", met: steadyRate / pyRate >= 15 });
  extra.pythonPatternWholeProcess = py.map((r) => r.wallMs);
  if (haveNative) {
    const nat = results["better-sqlite3"] as Nat[];
    const parseRate = median(nat.map((r) => r.parseRate));
    const insertRate = median(nat.map((r) => r.insertNotificationRate));
    figures.push({ section: "ingest", what: `better-sqlite3 12, WAL, 100-row transactions: parse the capture + insert (${nat[0].rowsParse} rows)`, value: parseRate, unit: "notifications/s", runs: nat.map((r) => r.parseRate), command: cmd });
    figures.push({ section: "ingest", what: `better-sqlite3 12, WAL, 100-row transactions: insert only our ${nat[0].rowsInsert} rows (pre-extracted), per notification of the capture`, value: insertRate, unit: "notifications/s", runs: nat.map((r) => r.insertNotificationRate), command: cmd, note: `${sig(median(nat.map((r) => r.insertRowRate)))} rows/s` });
    ratios.push({ what: "ingest: ours / better-sqlite3 (parse + insert)", ratio: oursRate / parseRate, target: ">= 0.7x", met: oursRate / parseRate >= 0.7 });
    // what sql.js costs: the same recorder, Store and Journal on native SQLite (not a target)
    ratios.push({ what: "ingest, ours on native SQLite (breakdown) / better-sqlite3 (parse + insert); not a target", ratio: breakdown.native / parseRate, target: "—", met: null });
    ratios.push({ what: "ingest, ours on native SQLite (breakdown) / Python pattern; not a target", ratio: breakdown.native / pyRate, target: "—", met: null });
    // like for like: our store's inserts of the same pre-extracted rows (no parsing, no checks, no journal)
    const ins = results.insert as Ins[];
    const insRowRate = median(ins.map((r) => r.rowRate));
    const natRowRate = median(nat.map((r) => r.insertRowRate));
    figures.push({ section: "ingest", what: `ours: insert only the same ${ins[0].rows} rows (pre-extracted), sql.js with its file in memory, 100-row transactions`, value: insRowRate, unit: "rows/s", runs: ins.map((r) => r.rowRate), command: "node main.mjs --task insert CAPTURE" });
    ratios.push({ what: "insert only, like for like: ours / better-sqlite3 (rows/s; not a target of the issue)", ratio: insRowRate / natRowRate, target: "—", met: null });
  } else {
    figures.push({ section: "ingest", what: "better-sqlite3: unavailable (could not be installed)", value: NaN, unit: "", command: cmd });
    ratios.push({ what: "ingest: ours / better-sqlite3", ratio: NaN, target: ">= 0.7x", met: null, note: "better-sqlite3 unavailable" });
  }
}

// ---- 1b. ingest with a slow fsync (an SD card's), both sides on the same FUSE folder ----
if (only.has("slow-fsync")) {
  const disk = await mountSlowDisk();
  if ("unavailable" in disk) {
    log(`slow-fsync: skipped: ${disk.unavailable}`);
    figures.push({ section: "slow-fsync", what: `skipped: ${disk.unavailable}`, value: NaN, unit: "", command: "node scripts/bench.mjs --only slow-fsync" });
  } else {
    try {
      // a prefix of the capture: at 5 ms a fsync, Python's pattern takes ~20 s for 5,000 notifications
      const lines = readFileSync(capture, "utf8").split("\n").slice(0, 5000);
      const prefix = join(WORK, "capture-5000-lines.ndjson");
      writeFileSync(prefix, lines.join("\n") + "\n");
      for (const delay of quick ? [2] : [0, 2, 5]) {
        log(`slow-fsync: ${delay} ms a fsync`);
        disk.slowSync(delay);
        type Ingest = { notifications: number; rows: number; rate: number; fsyncs: number };
        const ours = repeat(() => task<Ingest>(["ingest", prefix], { env: { TMPDIR: disk.dir } }));
        const py = pythonPattern(prefix, disk.dir);
        const oursRate = median(ours.map((r) => r.rate));
        const cmd = "node scripts/bench.mjs --only slow-fsync";
        figures.push({ section: "slow-fsync", what: `fsync ${delay} ms: ours (recorder + Journal on that folder), the first ${ours[0].notifications} notifications → ${ours[0].rows} rows, ${ours[0].fsyncs} fsyncs`, value: oursRate, unit: "notifications/s", runs: ours.map((r) => r.rate), command: cmd });
        figures.push({ section: "slow-fsync", what: `fsync ${delay} ms: Python pyDE1 pattern (its WAL file on that folder), ${py.rows} rows, one run`, value: py.rate, unit: "notifications/s", command: cmd });
        ratios.push({ what: `ingest with fsync taking ${delay} ms (FUSE): ours / Python pattern (not a target of the issue)`, ratio: oursRate / py.rate, target: "—", met: null });
      }
      // the durability window at the DE1's rate on that folder, as on an SD card: each of the
      // journal's fsyncs takes that long (on the I/O threads since session 23), and so do the saves'
      const { seconds, starts } = await durabilityStarts();
      for (const delay of quick ? [20] : [0, 20, 50]) {
        disk.slowSync(delay);
        for (const [start, label] of quick ? starts.slice(0, 1) : starts) {
          log(`slow-fsync: durability, ${delay} ms a fsync, 20 msgs/s for ${seconds} s, ${label}`);
          const rs = repeat(() => task<Durability>(["durability", capture, "20", String(seconds), start], { env: { TMPDIR: disk.dir } }));
          const what = `fsync ${delay} ms (FUSE), ${label}, 20 msgs/s (DE1 rate)`;
          const p99 = reportDurability("slow-fsync", what, `${rs[0].messages} messages, ${rs[0].fsyncs} fsyncs, ${rs[0].saves} background saves a run`, rs, "node scripts/bench.mjs --only slow-fsync");
          ratios.push({ what: `durability p99 with fsync taking ${delay} ms (FUSE), ${label} (not a target of the issue; its 150 ms ${p99 <= 150 ? "held" : "missed"})`, ratio: p99, target: "—", met: null, note: `ms, not a ratio; median of ${rs.length} runs` });
        }
      }
    } finally {
      await disk.unmount();
    }
  }
}

// ---- 2. whole process record --from-capture ----
if (only.has("record")) {
  const cli = join(ROOT, "dist/cli.js");
  log("record: whole process (built CLI) and the Python pattern, in turns");
  const db = join(WORK, "record.sqlite3");
  const clean = () => {
    for (const s of ["", "-wal", "-shm", ".journal", ".journal.next", ".lock"]) rmSync(db + s, { force: true });
  };
  const both = inTurns({
    ours: {
      runs: RUNS,
      run: () => {
        clean();
        return run(process.execPath, [cli, "record", "--db", db, "--from-capture", capture]).ms;
      },
    },
    python: { runs: RUNS, run: () => pythonPattern(capture).wallMs },
  });
  const ours = both.ours as number[];
  const pyWall = both.python as number[];
  // the database of the last `record` run
  const rows = Number(sh(`sqlite3 ${JSON.stringify(db)} "SELECT (SELECT count(*) FROM shot_sample_with_volume_update) + (SELECT count(*) FROM weight_and_flow_update)"`));
  const cmd = "node dist/cli.js record --db DB --from-capture bench-data/capture-20shots-seed1.ndjson";
  const wired = rows > 0;
  figures.push({ section: "record", what: `ours: ${cmd.split(" ").slice(0, 3).join(" ")} … (start-up + record + final save)`, value: median(ours), unit: "ms", runs: ours, command: cmd, note: wired ? `${rows} shot+scale rows stored` : "the record command stored no rows: --from-capture is not wired in this build" });
  figures.push({ section: "record", what: "Python pyDE1 pattern, whole process", value: median(pyWall), unit: "ms", runs: pyWall, command: "python3 scripts/bench/pyde1_pattern.py schema/v3.sql CATALOG.json CAPTURE DB" });
  log("record: the live recorder's start-up (start, until it serves)");
  const up = repeat(() => task<{ ms: number }>(["startup", cli, WORK]).ms);
  figures.push({ section: "record", what: "the live recorder's start-up: `start` on a new database until it serves (sql.js compiled to optimized code as each function is first called)", value: median(up), unit: "ms", runs: up, command: "node main.mjs --task startup dist/cli.js DIR" });
  ratios.push({ what: "record whole process: Python / ours", ratio: median(pyWall) / median(ours), target: ">= 30x", met: wired ? median(pyWall) / median(ours) >= 30 : null, note: wired ? undefined : "not comparable: record --from-capture not wired yet" });
}

// ---- 3. save; 4. open ----
const sizes = quick ? [10] : [10, 100, 500];
if (only.has("save") || only.has("open")) {
  log(`databases: ${sizes.join(", ")} MB (cached in bench-data/)`);
  extra.databases = await ensureDatabases(sizes, log);
}
if (only.has("save")) {
  const empty = folder(join(WORK, "empty"));
  const bases = repeat(() => {
    rmSync(join(empty, "empty.sqlite3"), { force: true });
    const base = task<{ maxRssKb: number }>(["empty-save", empty], { timeV: true });
    return (base.timeMaxRssKb ?? base.maxRssKb) / 1024;
  });
  const fixedKb = median(bases) * 1024;
  figures.push({ section: "save", what: "fixed overhead: node + sql.js + empty database opened and saved (peak RSS)", value: fixedKb / 1024, unit: "MB", runs: bases, command: "/usr/bin/time -v node main.mjs --task empty-save DIR" });
  for (const mb of sizes) {
    log(`save: ${mb} MB`);
    const src = databasePath(mb);
    const copy = join(WORK, `save-${mb}.sqlite3`);
    const other = join(WORK, `cp-${mb}.sqlite3`);
    type Save = { bytes: number; exportMs: number; writeMs: number; saveMs: number; directBytes: number; maxRssKb: number };
    // ours and cp in turns, each after a sync, so both meet the machine in the same state
    const ours: (Save & { timeMaxRssKb?: number })[] = [];
    const cached: Save[] = [];
    const cp: number[] = [];
    const oursSave = (how: string) => {
      for (const s of ["", ".lock"]) rmSync(copy + s, { force: true });
      copyFileSync(src, copy);
      run("sync", []); // the copy's own writeback must not land inside the timed save
      const r = task<Save>(["save", copy, how], { timeV: true });
      rmSync(copy, { force: true });
      return r;
    };
    for (let i = 0; i < RUNS_LONG; i++) {
      ours.push(oursSave("direct"));
      cached.push(oursSave("cached"));
      rmSync(other, { force: true });
      run("sync", []);
      cp.push(run("bash", ["-c", `cp ${JSON.stringify(src)} ${JSON.stringify(other)} && sync`]).ms);
      rmSync(other, { force: true });
    }
    const bytes = ours[0].bytes;
    const saveMs = median(ours.map((r) => r.saveMs));
    const rssKb = median(ours.map((r) => r.timeMaxRssKb ?? r.maxRssKb));
    figures.push({ section: "save", what: `${mb} MB: ours save (file image ${sig(median(ours.map((r) => r.exportMs)))} ms + write/fsync/rename ${sig(median(ours.map((r) => r.writeMs)))} ms)`, value: saveMs, unit: "ms", runs: ours.map((r) => r.saveMs), command: `/usr/bin/time -v node main.mjs --task save COPY_OF_${mb}MB`, note: `${ours.every((r) => r.directBytes === r.bytes) ? "all" : `${ours.filter((r) => r.directBytes === r.bytes).length} of ${ours.length}`} written around the page cache (O_DIRECT)` });
    figures.push({ section: "save", what: `${mb} MB: ours through the page cache, as before session 5 (write/fsync/rename; in turns with the two above)`, value: median(cached.map((r) => r.saveMs)), unit: "ms", runs: cached.map((r) => r.saveMs), command: `node main.mjs --task save COPY_OF_${mb}MB cached` });
    figures.push({ section: "save", what: `${mb} MB: cp FILE OTHER && sync`, value: median(cp), unit: "ms", runs: cp, command: `bash -c "cp FILE OTHER && sync"` });
    figures.push({ section: "save", what: `${mb} MB: ours peak RSS (whole process: load + open + save)`, value: rssKb / 1024, unit: "MB", runs: ours.map((r) => (r.timeMaxRssKb ?? r.maxRssKb) / 1024), command: "/usr/bin/time -v (Maximum resident set size)" });
    ratios.push({ what: `save ${mb} MB: ours / cp+sync`, ratio: saveMs / median(cp), target: "<= 2x", met: saveMs / median(cp) <= 2 });
    ratios.push({ what: `save ${mb} MB: peak RSS / file size`, ratio: (rssKb * 1024) / bytes, target: "<= 2.2x", met: (rssKb * 1024) / bytes <= 2.2 });
    ratios.push({ what: `save ${mb} MB: (peak RSS − fixed overhead) / file size`, ratio: ((rssKb - fixedKb) * 1024) / bytes, target: "<= 2.2x", met: ((rssKb - fixedKb) * 1024) / bytes <= 2.2 });
  }
}
if (only.has("open")) {
  const mb = sizes[sizes.length - 1];
  const dir = folder(join(DATA, `db-${mb}MB-wal`));
  const path = join(dir, "pyde1.sqlite3");
  if (!existsSync(`${path}-wal`)) {
    log(`open: making a WAL-mode copy of the ${mb} MB database with a -wal (native sqlite3)`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    cpSync(databasePath(mb), path);
    const sql = [
      ".dbconfig no_ckpt_on_close on",
      "PRAGMA journal_mode=WAL;",
      "INSERT INTO sequence (id, active_state, start_sequence, start_flow, end_flow, end_sequence, profile_id) SELECT 'bench-wal-sequence', active_state, start_sequence + 1e6, start_flow + 1e6, end_flow + 1e6, end_sequence + 1e6, profile_id FROM sequence WHERE id != 'dummy' ORDER BY start_sequence DESC LIMIT 1;",
      "INSERT INTO shot_sample_with_volume_update SELECT * FROM shot_sample_with_volume_update ORDER BY rowid DESC LIMIT 300;",
      "UPDATE shot_sample_with_volume_update SET sequence_id = 'bench-wal-sequence' WHERE rowid > (SELECT max(rowid) - 300 FROM shot_sample_with_volume_update);",
    ].join("\n");
    spawnSync("sqlite3", [path], { input: sql, encoding: "utf8" });
  }
  const walBytes = existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`).length : 0;
  log(`open: ${mb} MB + ${walBytes} bytes of -wal`);
  type Open = { readFileMs?: number; openMs?: number; loadOpenMs?: number; walFrames?: number; latestIsWalSequence?: number; bytes: number };
  // each in its own process, in turns (which goes first alternates): a process that has just read
  // 500 MB would make the second reader pay for fresh memory the first did not
  const ours: Open[] = [];
  const plain: Open[] = [];
  for (let i = 0; i < RUNS_LONG; i++) {
    const pair = i % 2 === 0 ? (["readfile", "ours"] as const) : (["ours", "readfile"] as const);
    for (const which of pair) (which === "ours" ? ours : plain).push(task<Open>(["open", path, which]));
  }
  const openMs = median(ours.map((r) => r.openMs!));
  const readMs = median(plain.map((r) => r.readFileMs!));
  const cmd = (which: string) => `node main.mjs --task open bench-data/db-${mb}MB-wal/pyde1.sqlite3 ${which}`;
  figures.push({ section: "open", what: `${mb} MB + -wal (${ours[0].walFrames} frames): ours load + apply -wal + open + first query (latest sequence)`, value: openMs, unit: "ms", runs: ours.map((r) => r.openMs!), command: cmd("ours"), note: ours[0].latestIsWalSequence === 1 ? "the -wal's new sequence is the latest: applied" : "WAL sequence NOT seen" });
  figures.push({ section: "open", what: `${mb} MB: fs.readFile`, value: readMs, unit: "ms", runs: plain.map((r) => r.readFileMs!), command: cmd("readfile") });
  ratios.push({ what: `open ${mb} MB: ours / fs.readFile`, ratio: openMs / readMs, target: "<= 1.5x", met: openMs / readMs <= 1.5 });
  // the first write after opening: sql.js alone grew its file by copying it whole (see growable-bytes.ts)
  type First = { ms: number; bytes: number; grownBy: number; openMaxRssKb: number; maxRssKb: number };
  const firsts = repeat(() => task<First>(["first-write", path]));
  const firstCmd = `node main.mjs --task first-write bench-data/db-${mb}MB-wal/pyde1.sqlite3`;
  figures.push({ section: "open", what: `${mb} MB: first write after opening (300 shot rows in one transaction; the file grows by ${firsts[0].grownBy} bytes)`, value: median(firsts.map((r) => r.ms)), unit: "ms", runs: firsts.map((r) => r.ms), command: firstCmd });
  const peakRatio = (r: First) => (r.maxRssKb * 1024) / r.bytes;
  figures.push({ section: "open", what: `${mb} MB: peak RSS after that first write / file size (after opening: ${sig(median(firsts.map((r) => (r.openMaxRssKb * 1024) / r.bytes)))})`, value: median(firsts.map(peakRatio)), unit: "x", runs: firsts.map(peakRatio), command: firstCmd });
}

/** One run of the durability task (tasks.ts). */
type Durability = { messages: number; fsyncs: number; p50: number; p99: number; max: number; saves: number; longestSaveMs: number };

/**
 * Adds the p50 and p99 figures of a durability case's runs (medians; the largest wait and save
 * over all runs), `what` naming the case and `counts` what a run held; returns the p99.
 */
function reportDurability(section: string, what: string, counts: string, rs: Durability[], command: string): number {
  const p99 = median(rs.map((x) => x.p99));
  figures.push({ section, what: `${what}, ${counts}: arrival → fsync p50`, value: median(rs.map((x) => x.p50)), unit: "ms", runs: rs.map((x) => x.p50), command });
  const worst = `max ${sig(Math.max(...rs.map((x) => x.max)))} ms; longest save ${sig(Math.max(...rs.map((x) => x.longestSaveMs)))} ms`;
  figures.push({ section, what: `${what}: p99 (${worst})`, value: p99, unit: "ms", runs: rs.map((x) => x.p99), command });
  return p99;
}

/**
 * The durability sections' run length and starting points: a new database, and a copy of the
 * 100 MB one (10 MB with --quick), whose saves take long enough to matter, made if missing. The
 * sections before wrote GBs: their dirty pages go to disk now, not during the measured runs.
 */
async function durabilityStarts(): Promise<{ seconds: number; bigMb: number; starts: (readonly [string, string])[] }> {
  const bigMb = quick ? 10 : 100;
  const big = databasePath(bigMb);
  if (!existsSync(big)) await ensureDatabases([bigMb], log);
  spawnSync("sync");
  return { seconds: quick ? 3 : 10, bigMb, starts: [["-", "new database"], [big, `${bigMb} MB database`]] };
}

// ---- 5. durability window ----
if (only.has("durability")) {
  const { seconds, bigMb, starts } = await durabilityStarts();
  for (const [start, label] of starts) {
    for (const rate of [20, 2000]) {
      log(`durability: ${rate} msgs/s for ${seconds} s, ${label}`);
      // three runs: a single stall of the disk's fsync decides one run's p99 (BENCHMARKS.md, "the disk's stalls")
      const rs = repeat(() => task<Durability>(["durability", capture, String(rate), String(seconds), start]));
      const cmd = `node main.mjs --task durability CAPTURE ${rate} ${seconds} ${start === "-" ? "-" : `bench-data/db-${bigMb}MB.sqlite3`}`;
      const what = `${label}, ${rate} msgs/s (${rate === 20 ? "DE1 rate" : "100x"})`;
      const p99 = reportDurability("durability", what, `${rs[0].messages} messages, ${rs[0].fsyncs} fsyncs, ${rs[0].saves} background saves a run`, rs, cmd);
      ratios.push({ what: `durability p99, ${what}`, ratio: p99, target: "<= 150 ms", met: p99 <= 150, note: `ms, not a ratio; median of ${rs.length} runs` });
    }
  }
}

// ---- 5b. durability window on a slower CPU (a Raspberry Pi's kind), not a target ----
if (only.has("slow-cpu")) {
  const cpu = slowCpu();
  const cmd = "node scripts/bench.mjs --only slow-cpu";
  if ("unavailable" in cpu) {
    log(`slow-cpu: skipped: ${cpu.unavailable}`);
    figures.push({ section: "slow-cpu", what: `skipped: ${cpu.unavailable}`, value: NaN, unit: "", command: cmd });
  } else {
    try {
      const { seconds, starts } = await durabilityStarts();
      for (const percent of quick ? [20] : [100, 40, 20]) {
        for (const [start, label] of starts) {
          log(`slow-cpu: one core at ${percent} %, 20 msgs/s for ${seconds} s, ${label}`);
          const rs = repeat(() => task<Durability>(["durability", capture, "20", String(seconds), start], { prefix: cpu.prefix(percent) }));
          const what = `one core (cgroup v${cpu.version}) at ${percent} % of its time, ${label}, 20 msgs/s (DE1 rate)`;
          const p99 = reportDurability("slow-cpu", what, `${rs[0].messages} messages, ${rs[0].saves} background saves a run`, rs, cmd);
          ratios.push({ what: `durability p99 on one core at ${percent} %, ${label} (not a target of the issue; its 150 ms ${p99 <= 150 ? "held" : "missed"})`, ratio: p99, target: "—", met: null, note: `ms, not a ratio; median of ${rs.length} runs` });
        }
      }
    } finally {
      try {
        cpu.remove();
      } catch (e) {
        log(`slow-cpu: could not remove the cgroup (${(e as Error).message}); remove it by hand`);
      }
    }
  }
}

// ---- 6. legacy shot file ----
if (only.has("legacy")) {
  const path = databasePath(10);
  if (!existsSync(path)) await ensureDatabases([10], log);
  const id = sh(`sqlite3 ${JSON.stringify(path)} "SELECT id FROM sequence WHERE active_state = 'Espresso' AND end_sequence IS NOT NULL ORDER BY abs(end_flow - start_flow - 60) LIMIT 1"`);
  const seconds = Number(sh(`sqlite3 ${JSON.stringify(path)} "SELECT round(end_flow - start_flow, 1) FROM sequence WHERE id = '${id}'"`));
  log(`legacy: sequence ${id} (${seconds} s of flow)`);
  const reps = quick ? 20 : 100;
  const ourOut = join(WORK, "legacy-ours.shot");
  const pyOut = join(WORK, "legacy-python.shot");
  const env = { TZ: "UTC" };
  const both = inTurns({
    ours: { runs: RUNS_LONG, run: () => task<{ ms: number; firstMs: number; bytes: number }>(["legacy", path, id, String(reps), ourOut]) },
    python: { runs: RUNS_LONG, run: () => JSON.parse(run("python3", [join(ROOT, "scripts/bench/legacy_shot.py"), path, id, String(reps), pyOut], { env }).stdout) as { ms: number } },
  });
  const ours = both.ours as { ms: number; firstMs: number; bytes: number }[];
  const py = both.python as { ms: number }[];
  const same = readFileSync(ourOut, "utf8") === readFileSync(pyOut, "utf8");
  figures.push({ section: "legacy", what: `ours: legacyShotFile, ${seconds} s shot, ${ours[0].bytes} bytes (db open, median of ${reps} after 100 warm-ups)`, value: median(ours.map((r) => r.ms)), unit: "ms", runs: ours.map((r) => r.ms), note: `first call in a fresh process ${sig(median(ours.map((r) => r.firstMs)))} ms`, command: `node main.mjs --task legacy bench-data/db-10MB.sqlite3 ${id} ${reps} OUT` });
  figures.push({ section: "legacy", what: `Python: same queries + formatting (sqlite3 module)${same ? ", byte-identical output" : ", OUTPUT DIFFERS"}`, value: median(py.map((r) => r.ms)), unit: "ms", runs: py.map((r) => r.ms), command: `python3 scripts/bench/legacy_shot.py bench-data/db-10MB.sqlite3 ${id} ${reps} OUT` });
  const ratio = median(py.map((r) => r.ms)) / median(ours.map((r) => r.ms));
  ratios.push({ what: "legacy shot file: Python / ours", ratio, target: "> 1x (faster)", met: ratio > 1 });
}

// ---- 7. viewer ----
if (only.has("viewer")) {
  const script = join(ROOT, "scripts/bench-viewer.mjs");
  if (existsSync(script)) {
    log("viewer: scripts/bench-viewer.mjs");
    // on this computer, then as a phone on 40 Mbit/s Wi-Fi would load it (gzipped); each with the
    // reload after a shot, only the changed blocks against the whole file
    for (const [key, more] of [["viewer", ["--reloads", "3"]], ["viewerNetwork", ["--reloads", "2", "--network", "40"]]] as const) {
      try {
        const stdout = run(process.execPath, [script, databasePath(100), ...more]).stdout.trim();
        extra[key] = JSON.parse(stdout.slice(stdout.indexOf("{")));
      } catch (e) {
        extra[key] = { error: (e as Error).message.slice(0, 500) };
      }
    }
  } else {
    extra.viewer = "scripts/bench-viewer.mjs does not exist yet: no viewer figures";
  }
}

// ---- report ----
machine.load = `${machine.load} (start) / ${sh("cat /proc/loadavg")} (end)`;
const results = { date: new Date().toISOString(), machine, figures, ratios, extra };
writeFileSync(join(DATA, "results.json"), JSON.stringify(results, null, 2) + "\n");
const fmt = (x: number) => (Number.isFinite(x) ? sig(x, 3).toLocaleString("en-US") : "n/a");
const out: string[] = [];
out.push(`Machine: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, ${machine.python} (SQLite ${machine.pythonSqlite}), sqlite3 CLI ${machine.sqlite3Cli}, ${machine.memory} RAM, ${machine.filesystem}; load ${machine.load}`);
out.push("");
out.push("| section | what | median | unit | runs (spread) | command |");
out.push("| --- | --- | ---: | --- | --- | --- |");
for (const f of figures) {
  const runs = f.runs && f.runs.length > 1 ? `${f.runs.map(fmt).join(", ")} (±${Math.round(spread(f.runs) / 2)} %)` : "";
  out.push(`| ${f.section} | ${f.what}${f.note ? ` — ${f.note}` : ""} | ${fmt(f.value)} | ${f.unit} | ${runs} | \`${f.command}\` |`);
}
out.push("");
out.push("| ratio | value | target | met |");
out.push("| --- | ---: | --- | --- |");
for (const r of ratios) out.push(`| ${r.what} | ${fmt(r.ratio)}${r.note ? ` (${r.note})` : ""} | ${r.target} | ${r.met === null ? "n/a" : r.met ? "yes" : "**no**"} |`);
out.push("");
out.push(`viewer: ${JSON.stringify(extra.viewer ?? "not run")}`);
out.push("");
out.push(`viewer, as a phone on 40 Mbit/s Wi-Fi: ${JSON.stringify(extra.viewerNetwork ?? "not run")}`);
process.stdout.write(out.join("\n") + "\n");

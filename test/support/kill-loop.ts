/**
 * The kill -9 loop shared by test/durability (20 kills) and test/crash (the long run): the real
 * `record` process against a real mosquitto, fed a synthetic stream faster than real time with
 * QoS 1 publishes (so the test knows when the broker had each message), killed with SIGKILL at
 * random moments or the instant a save starts, then checked and restarted.
 *
 * After each kill: the file passes the native sqlite3's `PRAGMA integrity_check`; a copy of the
 * file and its journal, opened as a restart opens them (DurableStore + a Recorder), holds in every
 * notification table a prefix of the reference (the same messages recorded without faults); and
 * every message acked by the broker more than the fsync window (+ a margin for delivery) before
 * the kill was recovered. Publishing resumes right after the last recovered message, so after the
 * final clean stop the file must equal the reference exactly: nothing lost, duplicated or reordered.
 *
 * The recorder saves at idle ticks every 0.25 s and compacts its journal past 10 KB
 * (`--idle-save 0.25 --compact-mb 0.01`, against 60 s and 8 MB by default), so compactions fall
 * among the kills ("save" rounds die the instant one writes its next journal): 7–11 in a 20-kill
 * loop. The summary counts them, and a loop without any fails.
 *
 * With `powerCut`, each kill is a power cut: the folder is a FUSE file system that keeps only what
 * fsync made durable (test/support/faulty-fs.ts); after the kill, the checks and the next round run
 * on what the disk would hold after the cut, not on the page cache a kill -9 leaves intact.
 */
import { copyFileSync, existsSync, readdirSync, watch } from "node:fs";
import { expect } from "vitest";
import { join } from "node:path";
import { connectAsync, type MqttClient } from "mqtt";
import { CliProcess } from "./recorder-process";
import { FaultyFs } from "./faulty-fs";
import { Mosquitto } from "./mosquitto";
import { scratch } from "./paths";
import { sqlite3 } from "./cli";
import { fileTables, notPrefix, referenceTables, storeTables, syntheticMessages, type Tables } from "./streams";
import { loadSqlJs } from "../../src/store/sqljs";
import { DurableStore } from "../../src/ingest/durable-store";
import { Recorder } from "../../src/recorder/recorder";

/** Settings of {@link killLoop}. */
export interface KillLoopOptions {
  /** how many SIGKILLs */
  kills: number;
  /** synthetic stream: shots and seed */
  shots: number;
  seed: number;
  /** messages published per second (the synthetic stream has ~17 a second: this is many times real time) */
  rate?: number;
  /** the recorder's --fsync-ms */
  fsyncMs?: number;
  /** each kill a power cut: only what fsync made durable survives it */
  powerCut?: boolean;
}

/** What one kill found. */
export interface KillReport {
  /** "random" or "save" (killed when a save's temp file or next journal appeared) */
  mode: "random" | "save";
  /** messages published in this round (acked by the broker) */
  published: number;
  /** index of the last message the recovery holds (-1: none) */
  recovered: number;
  /** ms between the broker's ack of the oldest lost message and the kill (null: nothing lost) */
  lostAgeMs: number | null;
  /** it died mid-save: killed as a save began, or a save's leftovers were on disk after the kill */
  midSave: boolean;
  /** journal compactions the recorder logged in this round */
  compactions: number;
  /** problems found (empty when all is well) */
  problems: string[];
}

/** What the whole loop found. */
export interface KillLoopResult {
  kills: KillReport[];
  /** where the final file is not the reference (empty when equal) */
  finalDiff: string[];
  /** the final file's integrity_check */
  finalIntegrity: string;
  /** the final recorder's exit code */
  finalExit: number | string;
  messages: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const payloadText = (p: string | Uint8Array) => (typeof p === "string" ? p : Buffer.from(p).toString("utf8"));

/** Starts the recorder and waits until its subscription is live (a probe on `pyDE1/log` came back). */
async function startRecorder(db: string, broker: Mosquitto, pub: MqttClient, fsyncMs: number): Promise<CliProcess> {
  const proc = new CliProcess(["record", "--db", db, "--broker", broker.url, "--fsync-ms", String(fsyncMs), "--idle-save", "0.25", "--compact-mb", "0.01", "--verbose"]);
  await proc.waitFor(/mqtt: connected to/);
  const probes = /ignored other-topic: pyDE1\/log/;
  const before = proc.lines(probes).length;
  const deadline = Date.now() + 10_000;
  while (proc.lines(probes).length === before) {
    if (Date.now() > deadline || !proc.running) throw new Error(`the recorder's subscription never came up:\n${proc.stderr}`);
    await pub.publishAsync("pyDE1/log", "probe", { qos: 1 });
    await sleep(20);
  }
  return proc;
}

/** Opens a copy of the file and its journals as a restart would; returns its tables and the last recovered message. */
async function recoverCopy(db: string, index: Map<string, number>): Promise<{ tables: Tables; last: number; log: string[] }> {
  const dir = scratch("pyde1-store-recover-");
  const copy = join(dir, "copy.sqlite3");
  for (const suffix of ["", ".journal", ".journal.next"]) if (existsSync(db + suffix)) copyFileSync(db + suffix, copy + suffix);
  const log: string[] = [];
  const ds = await DurableStore.open(await loadSqlJs(), copy, { log: (l, m) => log.push(`${l} ${m}`) });
  const recorder = new Recorder(ds.ps.store, { onAccepted: (e) => ds.accepted(e) });
  await ds.attach(recorder);
  recorder.flush();
  const tables = storeTables(ds.ps.store);
  const lastEvent = recorder.retained().filter((e) => e.kind === "message").at(-1);
  let last = -1;
  if (lastEvent && lastEvent.kind === "message") {
    const k = index.get(payloadText(lastEvent.payload));
    if (k === undefined) throw new Error("the recovery holds a message that was never published");
    last = k;
  }
  await ds.close();
  return { tables, last, log };
}

/** Runs the loop; the caller asserts on the result. */
export async function killLoop(o: KillLoopOptions): Promise<KillLoopResult> {
  const fsyncMs = o.fsyncMs ?? 100;
  const rate = o.rate ?? 500;
  const messages = syntheticMessages({ shots: o.shots, seed: o.seed });
  const index = new Map(messages.map((m, i) => [payloadText(m.payload), i]));
  const reference = await referenceTables(messages);
  const broker = await Mosquitto.start();
  const pub = await connectAsync(broker.url);
  // the folder recorded into; with powerCut, a new faulty file system each round, seeded with what
  // the last cut left (`disk`)
  let dir = scratch("pyde1-store-kill-");
  let disk: string | null = null;
  let fs: FaultyFs | null = null;
  const kills: KillReport[] = [];
  let next = 0;
  let proc: CliProcess | null = null;
  try {
    for (let round = 0; round < o.kills; round++) {
      if (o.powerCut) {
        fs = await FaultyFs.mount({ powerCut: true, seed: disk ?? undefined });
        dir = fs.dir;
      }
      const db = join(dir, "live.sqlite3");
      proc = await startRecorder(db, broker, pub, fsyncMs);
      const mode: KillReport["mode"] = round % 2 === 0 ? "random" : "save";
      const acks = new Map<number, number>();
      let killedAt = 0;
      let stop = false;
      let atSave = false;
      const victim = proc;
      const kill = () => {
        if (killedAt) return;
        killedAt = performance.now();
        victim.signal("SIGKILL");
        stop = true;
      };
      const watcher =
        mode === "save"
          ? watch(dir, (_event, name) => {
              if (name && (name.includes(".tmp-") || name.endsWith(".journal.next"))) {
                atSave ||= !killedAt;
                kill();
              }
            })
          : null;
      const fallback = setTimeout(kill, mode === "random" ? 150 + Math.random() * 1500 : 4000);
      const publishing = (async () => {
        const t0 = performance.now();
        let sent = 0;
        while (!stop && next < messages.length) {
          const due = t0 + (sent * 1000) / rate - performance.now();
          if (due > 2) await sleep(due);
          if (stop) break;
          const k = next++;
          await pub.publishAsync(messages[k].topic, messages[k].payload as string, { qos: 1 });
          acks.set(k, performance.now());
          sent++;
        }
        if (next >= messages.length) kill(); // the stream ran out: kill now
      })();
      await publishing;
      await victim.exited;
      clearTimeout(fallback);
      watcher?.close();
      let after = dir; // the folder as the restart finds it
      if (fs) {
        disk = fs.afterPowerCut();
        await fs.unmount();
        fs = null;
        after = disk;
      }
      const leftovers = readdirSync(after).filter((n) => n.includes(".tmp-") || n.endsWith(".journal.next"));
      const problems: string[] = [];
      if (existsSync(join(after, "live.sqlite3"))) {
        const ok = sqlite3(join(after, "live.sqlite3"), "PRAGMA integrity_check");
        if (ok !== "ok") problems.push(`integrity_check after the kill: ${ok}`);
      }
      const r = await recoverCopy(join(after, "live.sqlite3"), index);
      problems.push(...notPrefix(r.tables, reference));
      const first = Math.min(...acks.keys());
      if (r.last >= next) problems.push(`recovered message ${r.last}, only ${next} were published`);
      if (acks.size > 0 && r.last < first - 1) problems.push(`lost messages of an earlier round: recovered up to ${r.last}, this round began at ${first}`);
      const lostAck = acks.get(r.last + 1);
      const lostAgeMs = lostAck === undefined ? null : killedAt - lostAck;
      if (lostAgeMs !== null && lostAgeMs > fsyncMs + 400) {
        problems.push(`message ${r.last + 1} was acked ${lostAgeMs.toFixed(0)} ms before the kill but is not in the recovered database`);
      }
      const compactions = victim.lines(/record: compacted /).length;
      kills.push({ mode, published: acks.size, recovered: r.last, lostAgeMs, midSave: leftovers.length > 0 || atSave, compactions, problems });
      next = r.last + 1; // resume right after what survived
    }
    // final round: the rest of the stream, then a clean stop
    if (o.powerCut) {
      fs = await FaultyFs.mount({ powerCut: true, seed: disk ?? undefined });
      dir = fs.dir;
    }
    const db = join(dir, "live.sqlite3");
    proc = await startRecorder(db, broker, pub, fsyncMs);
    for (let k = next; k < messages.length; k++) {
      await pub.publishAsync(messages[k].topic, messages[k].payload as string, { qos: 1 });
      if (k % 200 === 0) await sleep(5);
    }
    const probes = proc.lines(/ignored other-topic: pyDE1\/log/).length;
    await pub.publishAsync("pyDE1/log", "end", { qos: 1 });
    await proc.waitFor(/ignored other-topic: pyDE1\/log/, 20_000, probes + 1);
    const finalExit = await proc.signal("SIGTERM");
    const finalIntegrity = sqlite3(db, "PRAGMA integrity_check");
    const got = await fileTables(db);
    const finalDiff: string[] = [];
    for (const t of Object.keys(reference)) {
      if (got[t].length !== reference[t].length) finalDiff.push(`${t}: ${got[t].length} rows, the reference has ${reference[t].length}`);
      const k = got[t].findIndex((row, i) => row !== reference[t][i]);
      if (k >= 0) finalDiff.push(`${t} row ${k + 1}: ${got[t][k]} where the reference has ${reference[t][k]}`);
    }
    return { kills, finalDiff, finalIntegrity, finalExit, messages: messages.length };
  } finally {
    if (proc?.running) await proc.signal("SIGKILL");
    await fs?.unmount();
    await pub.endAsync(true);
    await broker.stop();
  }
}

/** One line on a loop's run: kills (or cuts), how many as a save began, and the age of the oldest lost message at the kill. */
export function loopSummary(r: KillLoopResult, what: "kill" | "cut"): string {
  const lost = r.kills.map((k) => k.lostAgeMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  const p50 = lost[Math.floor(lost.length / 2)] ?? 0;
  return (
    `${r.kills.length} ${what}s, ${r.kills.filter((k) => k.midSave).length} mid-save, ` +
    `${r.kills.reduce((n, k) => n + k.compactions, 0)} journal compactions, ${r.messages} messages; ` +
    `age of the oldest lost message at the ${what}: p50 ${p50.toFixed(0)} ms, max ${Math.max(0, ...lost).toFixed(0)} ms`
  );
}

/** The loop's checks: no problem after any kill, then a clean stop, a file that checks ok and equals the fault-free recording. */
export function expectCleanLoop(r: KillLoopResult, what: "kill" | "cut"): void {
  for (const [i, k] of r.kills.entries()) expect(k.problems, `${what} ${i + 1} (${k.mode})`).toEqual([]);
  expect(r.kills.reduce((n, k) => n + k.compactions, 0), "journal compactions among the kills").toBeGreaterThan(0);
  expect(r.finalExit).toBe(0);
  expect(r.finalIntegrity).toBe("ok");
  expect(r.finalDiff).toEqual([]);
}

/**
 * The recorder's database on disk, made crash-safe: a {@link PersistentStore} on a native file plus
 * its journal (`<db>.journal`). Every event the recorder accepts is appended to the journal
 * (fsynced within `fsyncMs`); the file itself is replaced only at quiet moments (a sequence ended,
 * an idle interval, shutdown), never in the middle of a sequence.
 *
 * The boundary between file and journal is exact. A save stores `ID:SEQ` — the journal's id and
 * the last record the file contains — in persist_hkv ('pyde1-store', 'journal') inside the saved
 * bytes. Just before the file is replaced, the next journal is written beside the current one as
 * `<db>.journal.next`: header (base = SEQ) plus the events the recorder needs to rebuild its state
 * (its pre-roll), and renamed into place right after the file. On start, a `.journal.next` whose
 * base equals the file's SEQ is the journal (the crash fell between the two renames); otherwise it
 * is discarded. Journal records up to the base prime the recorder (no writes); later ones are
 * replayed into the database, which is then saved.
 *
 * While recording, a save runs in the background ({@link DurableStore.saveInBackground}): the
 * file's bytes are written on Node's I/O threads while events go on being received and journaled,
 * to the next journal as well, so whichever journal survives a crash holds them. The database is
 * held still meanwhile (the recorder's writes wait in memory) and takes them after the rename.
 */
import { existsSync, renameSync, statSync, statfsSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { SqlJsStatic } from "sql.js";
import { FilePersistence } from "../store/persist/file";
import { fsyncPath } from "../store/persist/fsync-path";
import { growsFilesInPlace } from "../store/persist/sqljs-node";
import { Journal } from "../store/persist/journal";
import { readJournal, type JournalRecord } from "../store/persist/journal-format";
import { RECORDER_CODEC } from "./journal-codec";
import { PersistentStore } from "../store/persistent-store";
import type { Store } from "../store/store";
import type { RecorderEvent } from "../recorder/events";
import type { Recorder } from "../recorder/recorder";
import { silent, type Log } from "../recorder/log";

/** The persist_hkv row holding the journal boundary. */
export const JOURNAL_MARK = { header: "pyde1-store", key: "journal" } as const;

/**
 * The journal files of the database at `dbPath` (absolute): the journal, and the next one that a
 * save writes beside it (see the module comment). A file and these two travel together.
 */
export function journalPaths(dbPath: string): { journal: string; next: string } {
  return { journal: `${dbPath}.journal`, next: `${dbPath}.journal.next` };
}

/** Settings of {@link DurableStore.open}. */
export interface DurableOptions {
  /** longest wait of an accepted event for its fsync, ms (default 100) */
  fsyncMs?: number;
  /** warn once when the file passes this size, bytes (default 200 MB) */
  warnBytes?: number;
  /**
   * compact the journal when it passes this size, bytes, while nothing is being recorded and the
   * file holds everything (default 8 MB; see {@link DurableStore.saveInBackground})
   */
  compactBytes?: number;
  log?: Log;
}

/** What opening found in the journal. */
export interface RecoveryReport {
  /** journal records replayed into the database (events the file did not contain yet) */
  replayed: number;
  /** journal records used only to rebuild the recorder's state */
  primed: number;
  /** bytes cut off a torn or corrupt journal tail */
  cutBytes: number;
}

/** A recorder's database file with its journal. */
export class DurableStore {
  /** what recovery found */
  recovery: RecoveryReport = { replayed: 0, primed: 0, cutBytes: 0 };
  private recorder: Recorder | null = null;
  private warned = false;
  private readonly log: Log;

  private constructor(
    /** the database (in memory) and its file */
    readonly ps: PersistentStore,
    /** the journal */
    readonly journal: Journal<RecorderEvent>,
    private readonly file: FilePersistence,
    private readonly pending: JournalRecord<RecorderEvent>[],
    private readonly options: DurableOptions,
    /** the boundary mark `ID:SEQ` the file on disk holds (null: none yet) */
    private fileMark: string | null,
  ) {
    this.log = options.log ?? silent;
  }

  /** Opens (creating when missing) the database at `path` for recording, and its journal. */
  static async open(SQL: SqlJsStatic, path: string, options: DurableOptions = {}): Promise<DurableStore> {
    const file = FilePersistence.open(path, { mode: "write" });
    let ps: PersistentStore;
    try {
      ps = await PersistentStore.open(SQL, file, { backup: () => file.backup() });
    } catch (e) {
      await file.close();
      throw e;
    }
    collectGarbage(); // the file's bytes as read (sql.js keeps its own copy): gone before the first save doubles the peak
    const { journal: journalPath, next: nextPath } = journalPaths(file.name);
    const markText = ps.store.hkv.get(JOURNAL_MARK.header, JOURNAL_MARK.key);
    const mark = parseMark(markText);
    const next = readJournal<RecorderEvent>(nextPath);
    if (next) {
      if (mark && next.id === mark.id && next.base === mark.seq) renameSync(nextPath, journalPath);
      else unlinkSync(nextPath);
    }
    const { journal, contents } = Journal.open<RecorderEvent>(journalPath, { fsyncMs: options.fsyncMs, codec: RECORDER_CODEC });
    const ds = new DurableStore(ps, journal, file, contents.records, options, markText);
    journal.onWriteError = (error, waiting) => {
      if (error) {
        ds.log("error", `record: cannot write ${journalPath} (${(error as NodeJS.ErrnoException).code ?? error.message})${freeSpace(journalPath)}; ` +
          `keeping ${waiting} events in memory and retrying (they are lost if the process dies before a write works)`);
      } else ds.log("info", `record: writing ${journalPath} again`);
    };
    const seen = boundaryOf(markText, contents);
    if (mark && mark.id !== contents.id && contents.records.length > 0) {
      ds.log("warn", `record: ${journalPath} belongs to another database file (journal ${contents.id}, file ${mark.id}); replaying all of it`);
    }
    ds.recovery.cutBytes = contents.cutBytes;
    if (contents.setAside) ds.log("warn", `record: ${journalPath} had no readable header; moved it to ${contents.setAside} and started a new journal`);
    if (contents.cutBytes > 0) ds.log("warn", `record: cut ${contents.cutBytes} bytes of a torn or corrupt tail off ${journalPath}`);
    ds.boundary = seen;
    return ds;
  }

  private boundary = 0;
  /** the journal's size right after its last rotation or compaction (0: none since opening) */
  private rotatedAt = 0;
  private attaching = false;

  /**
   * Attaches the recorder: primes it with the journal's state records, replays the records the
   * file does not contain (a sequence open at the crash stays open and goes on recording), saves
   * if anything was replayed and no sequence is open. Call once, before feeding it.
   */
  async attach(recorder: Recorder): Promise<RecoveryReport> {
    this.recorder = recorder;
    this.attaching = true;
    const prime: RecorderEvent[] = [];
    const replay: RecorderEvent[] = [];
    for (const r of this.pending) (r.n <= this.boundary ? prime : replay).push(r.e);
    this.pending.length = 0;
    recorder.prime(prime);
    this.recovery.primed = prime.length;
    try {
      for (const e of replay) recorder.handle(e);
    } finally {
      this.attaching = false;
    }
    this.recovery.replayed = replay.length;
    this.warnIfLarge(); // a file already past the size: say so at start, not only after the next save
    if (replay.length > 0) {
      this.log("info", `record: replayed ${replay.length} journal records the file did not contain`);
      // saved now unless a sequence is still open: then it goes on recording and is saved when it ends
      this.save("recovery");
    }
    return this.recovery;
  }

  /** Appends an accepted event to the journal (wire to the recorder's `onAccepted`). */
  accepted(event: RecorderEvent): void {
    if (this.attaching) return; // replayed from the journal: already there
    this.journal.append(event);
  }

  /** called after each save that wrote the file, with its reason (e.g. to tell open viewer pages) */
  onSaved: ((reason: string) => void) | null = null;
  /** the save running in the background, if one is */
  private saving: Promise<boolean> | null = null;
  /** a save asked for while another ran: its reason, to run when that one ends */
  private saveAgain: string | null = null;

  /**
   * Saves when there is something to save and no sequence is being recorded: commits, marks the
   * boundary, writes the next journal, replaces the file, moves the next journal into place.
   * Returns true when the file was written. Errors (disk full, file changed underneath) are logged
   * and the data stays in memory and in the journal; the next save tries again. Synchronous:
   * nothing else runs meanwhile (start-up recovery, shutdown); while recording, use
   * {@link saveInBackground}. Not while a background save runs (see {@link settled}).
   */
  save(reason: string): boolean {
    if (!this.needsSave()) {
      this.compactIfLarge();
      return false;
    }
    try {
      const begun = this.beginSave();
      this.file.saveSync(this.ps.store.fileImage());
      this.endSave(begun);
    } catch (e) {
      return this.saveFailed(reason, e);
    }
    return this.saved(reason);
  }

  /**
   * {@link save} with the file's bytes written on Node's I/O threads while recording goes on:
   * events are still received and journaled (to the next journal as well), and the database's
   * writes wait in memory until the file is replaced, then are committed. On a slow disk a save
   * of a large file takes seconds; receipt no longer waits for it. One save at a time: one asked
   * for meanwhile runs when it ends. Resolves true when this call wrote the file.
   *
   * With nothing to save and no sequence being recorded, a journal past `compactBytes` is
   * compacted instead (see {@link compactIfLarge}): the live job asks for a save every idle
   * interval, so the journal stays small however long pyDE1 publishes between shots.
   */
  saveInBackground(reason: string): Promise<boolean> {
    if (this.saving) {
      this.saveAgain = reason;
      return Promise.resolve(false);
    }
    const run = this.writeInBackground(reason).finally(() => {
      this.saving = null;
      const again = this.saveAgain;
      this.saveAgain = null;
      if (again !== null) void this.saveInBackground(again);
    });
    this.saving = run;
    return run;
  }

  /** Resolves when no background save runs (one asked for meanwhile included). */
  async settled(): Promise<void> {
    while (this.saving) await this.saving;
  }

  private async writeInBackground(reason: string): Promise<boolean> {
    // the save's first and last steps fsync synchronously: not behind the journal's fsync in flight
    // and the records waiting for it (with none in flight the save begins at once, in the caller's turn)
    if (this.journal.fsyncInFlight) await this.journal.settle();
    if (!this.needsSave()) {
      this.compactIfLarge();
      return false;
    }
    const rec = this.recorder;
    try {
      const begun = this.beginSave();
      rec?.holdWrites(true);
      await this.file.saveInBackground(this.ps.store.fileImage(), { beforeRename: () => this.journal.settle() });
      this.endSave(begun);
    } catch (e) {
      return this.saveFailed(reason, e);
    } finally {
      rec?.holdWrites(false);
    }
    return this.saved(reason);
  }

  /** Commits the recorder's writes; true when there is something to save and no sequence is being recorded. */
  private needsSave(): boolean {
    const rec = this.recorder;
    if (rec && rec.openSequence) return false;
    rec?.flush();
    return this.ps.store.dirty;
  }

  /** Marks the boundary inside the database and writes the next journal; returns the change count and the mark the file will hold. */
  private beginSave(): { count: number; mark: string } {
    const store = this.ps.store;
    this.journal.flush();
    const mark = `${this.journal.id}:${this.journal.lastSeq}`;
    store.hkv.set(JOURNAL_MARK.header, JOURNAL_MARK.key, mark);
    this.journal.writeNext(`${this.journal.path}.next`, this.recorder ? this.recorder.retained() : []);
    return { count: store.changeCount, mark };
  }

  /** After the file was replaced: the next journal becomes the journal. */
  private endSave({ count, mark }: { count: number; mark: string }): void {
    this.ps.store.markSaved(count);
    this.fileMark = mark;
    const failed = this.adoptNextJournal();
    if (failed) {
      // The file is saved, and the save's own folder sync made the next journal's name durable:
      // should power fail before the rename reaches the disk, the next start finds this journal
      // under its old name and uses it (its base is the saved file's mark).
      this.log(
        "warn",
        `record: saved ${this.ps.persistence.name}, but ${dirname(this.journal.path)} could not be synced after ${this.journal.path} was moved into place ` +
          `(${failed}); nothing is lost (after a power cut the next start finds it as ${this.journal.path}.next and uses it). Check the disk.`,
      );
    }
  }

  /** Moves the next journal into place (appends go on in it) and syncs its folder; returns why that sync failed, or null. */
  private adoptNextJournal(): string | null {
    renameSync(`${this.journal.path}.next`, this.journal.path);
    this.journal.adoptNext(); // before anything else can fail: appends must go to the file now named the journal
    this.rotatedAt = this.journal.bytes;
    try {
      fsyncPath(dirname(this.journal.path));
      return null;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    }
  }

  /**
   * Compacts the journal when it has passed `compactBytes` (default 8 MB) while nothing is being
   * recorded and the file holds every change: rewrites it with only the records the recorder needs
   * to rebuild its state (its pre-roll and what it knows of profile and resources), the file left
   * as it is (see journal-format.ts). Between shots pyDE1 publishes shot samples, water levels and
   * scale weights for hours (~30 MB an hour with a scale connected); none of it changes the file,
   * so no save rotates the journal, and without this it would grow until the next shot and be read
   * whole, into memory, at the next start. Returns true when it compacted.
   */
  private compactIfLarge(): boolean {
    const rec = this.recorder;
    const limit = this.options.compactBytes ?? 8 * 1024 * 1024;
    if (!rec || rec.openSequence || this.ps.store.dirty || this.fileMark === null) return false;
    // grown by the limit since its last rotation (so never again and again when its warm records
    // alone pass a small limit), and holding events the file's mark does not (so a compacted
    // journal's base always differs from the mark, and a crash mid-compaction can never leave a
    // next journal that the next start takes for a save's)
    if (this.journal.bytes - this.rotatedAt <= limit || this.journal.lastSeq <= (parseMark(this.fileMark)?.seq ?? Infinity)) return false;
    try {
      this.journal.flush();
    } catch {
      return false; // the journal cannot be written (disk full): reported by its own error hook, retried by it
    }
    const before = this.journal.bytes;
    const warm = rec.retained();
    let failed: string | null;
    try {
      this.journal.writeNext(`${this.journal.path}.next`, warm, this.fileMark);
      // a crash before the rename leaves the old journal in force (the next start drops the new one)
      failed = this.adoptNextJournal();
    } catch (e) {
      this.dropNextJournal();
      this.log("error", `record: could not compact ${this.journal.path} (${(e as Error).message}); it goes on growing${freeSpace(this.journal.path)}`);
      return false;
    }
    this.log("info", `record: compacted ${this.journal.path} while idle: ${(before / 1048576).toFixed(1)} MB → ${(this.journal.bytes / 1024).toFixed(0)} KB (${warm.length} events kept)`);
    if (failed) {
      // no save synced the folder here: the compacted journal's name may not survive a power cut
      this.log(
        "error",
        `record: compacted ${this.journal.path}, but ${dirname(this.journal.path)} could not be synced after (${failed}): until the next save or compaction ` +
          `syncs it, a power cut may lose the events recorded since. Check the disk.`,
      );
    }
    return true;
  }

  /** Stops writing the next journal and removes it (a save or a compaction failed). */
  private dropNextJournal(): void {
    try {
      this.journal.dropNext();
      if (existsSync(`${this.journal.path}.next`)) unlinkSync(`${this.journal.path}.next`);
    } catch {
      /* nothing to clean */
    }
  }

  private saveFailed(reason: string, e: unknown): false {
    collectGarbage();
    this.dropNextJournal();
    this.log("error", `record: could not save ${this.ps.persistence.name} (${reason}): ${(e as Error).message}${freeSpace(this.ps.persistence.name)}`);
    return false;
  }

  private saved(reason: string): true {
    // An export, or a file grown by copying, leaves a file-sized buffer that V8 frees only at a GC:
    // freed now, not whenever V8 feels external-memory pressure. A save from a view of a file grown
    // in place leaves none, and a full GC there only holds up receipt (5–10 ms here, several times
    // that on a slow CPU: BENCHMARKS.md, "Durability on a slower CPU").
    if (!this.ps.store.fileImageIsView || !growsFilesInPlace()) collectGarbage();
    this.log("debug", `record: saved ${this.ps.persistence.name} (${reason})`);
    this.warnIfLarge();
    this.onSaved?.(reason);
    return true;
  }

  /** Waits for a background save, saves, closes the journal and releases the file. */
  async close(): Promise<void> {
    this.saveAgain = null;
    await this.settled();
    this.recorder?.close("shutdown");
    this.save("shutdown");
    const waiting = this.journal.waiting;
    try {
      this.journal.close();
    } catch (e) {
      if (this.ps.store.dirty) {
        this.log("error", `record: closing with ${waiting} events neither in ${this.ps.persistence.name} nor in ${this.journal.path} (${(e as Error).message}): they are lost`);
      }
    }
    await this.ps.persistence.close();
    this.ps.store.close();
  }

  private warnIfLarge(): void {
    const limit = this.options.warnBytes ?? 200 * 1024 * 1024;
    if (this.warned) return;
    try {
      const size = statSync(this.ps.persistence.name).size;
      if (size > limit) {
        this.warned = true;
        this.log(
          "warn",
          `record: ${this.ps.persistence.name} is ${(size / 1048576).toFixed(0)} MB; every save rewrites the whole file. ` +
            `Move old shots out with 'pyde1-store archive --db ${this.ps.persistence.name} --before YYYY-MM-DD --to ARCHIVE.sqlite3'.`,
        );
      }
    } catch {
      /* size unknown */
    }
  }
}

/**
 * The last journal record the file holds, by the mark `ID:SEQ` it carries (0: none of them, as for
 * a journal of another file). A journal compacted while the file held this very mark: the file
 * holds all up to the journal's base.
 */
function boundaryOf(markText: string | null, contents: { id: string; base: number; file?: string }): number {
  const mark = parseMark(markText);
  if (!mark || mark.id !== contents.id) return 0;
  return contents.file !== undefined && contents.file === markText ? contents.base : mark.seq;
}

/**
 * How many records of the journal beside the database at `dbPath` (absolute) hold what the file
 * does not: what the next live start replays into it (0 without a journal). Reads only.
 */
export function unsavedJournalRecords(store: Store, dbPath: string): number {
  const { journal, next } = journalPaths(dbPath);
  const markText = store.hkv.get(JOURNAL_MARK.header, JOURNAL_MARK.key);
  const mark = parseMark(markText);
  const nextContents = readJournal<RecorderEvent>(next, RECORDER_CODEC);
  const contents =
    nextContents && mark && nextContents.id === mark.id && nextContents.base === mark.seq ? nextContents : readJournal<RecorderEvent>(journal, RECORDER_CODEC);
  if (!contents) return 0;
  const seen = boundaryOf(markText, contents);
  return contents.records.filter((r) => r.n > seen).length;
}

/** Reads the `ID:SEQ` boundary mark. */
function parseMark(text: string | null): { id: string; seq: number } | null {
  if (!text) return null;
  const at = text.lastIndexOf(":");
  const seq = Number(text.slice(at + 1));
  return at > 0 && Number.isInteger(seq) ? { id: text.slice(0, at), seq } : null;
}

/** ", N MB free in DIR" for an error message, when it can be had. */
function freeSpace(path: string): string {
  try {
    const s = statfsSync(dirname(path));
    return `; ${((s.bavail * s.bsize) / 1048576).toFixed(1)} MB free in ${dirname(path)}`;
  } catch {
    return "";
  }
}

let gc: (() => void) | null | undefined;

/**
 * Runs a full garbage collection (a few ms on the recorder's small JS heap) so the file-sized
 * buffers a load or an export leaves behind are returned now. V8 frees large ArrayBuffers only
 * at a GC, and with a tiny JS heap that can be several saves later: measured on a 45 MB file,
 * three dead export buffers were still resident after two saves (peak 4.3× the file instead of
 * ~2×). Without a way to collect (flags locked down), this does nothing.
 */
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

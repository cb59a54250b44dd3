/**
 * The shot viewer's page: opens a database (the server's `/db`, `?db=URL`, a picked or dropped
 * `.sqlite3` with its `-wal`), and wires the list, the shot chart, compare, profile and SQL console.
 * sql.js runs in a worker; everything from the database is shown as text.
 */
import { WorkerClient } from "./worker-client";
import type { OpenResult, ProfileInfo, ShotSeries } from "./protocol";
import { byId, el, replace } from "./dom";
import { blockRunsText, changedBlocks, readHashList, worthADelta } from "../store/block-delta";
import { fetchDatabase, formatBytes, gunzipIfGzip, isNewer, pairFiles, parseChangeMark, readFile, type ChangeMark } from "./loader";
import { SequenceList } from "./sequence-list";
import { ShotChart } from "./shot-chart";
import { CompareChart } from "./compare-chart";
import { renderProfile, stepNames } from "./profile-panel";
import { renderShotHeader } from "./shot-view";
import { setupSqlConsole } from "./sql-console";
import { Tabs, type TabName } from "./tabs";
import { followRecorderStatus, type OpenSequence } from "./recorder-status";
import { LiveShot } from "./live-shot";
import { stateName } from "./format";

const client = new WorkerClient(new URL("worker.js", import.meta.url));
const shots = new Map<string, ShotSeries>();
const profiles = new Map<string, ProfileInfo>();
let currentId: string | null = null;
let opened = 0;

const status = byId("status");
const errorBox = byId("error");
const progress = byId("progress");
const progressBar = byId("progress-bar");
const shotChart = new ShotChart(byId("shot-chart"));
const compare = new CompareChart(byId("compare-controls"), byId("compare-chart"));
const tabs = new Tabs((tab) => shownTab(tab));
const list = new SequenceList({
  open: (id) => {
    stopFollowing();
    void openShot(id);
  },
  compare: (ids) => compareChanged(ids),
});
const watchButton = byId<HTMLButtonElement>("watch-live");
const live = new LiveShot({ show: (s) => void showLive(s), ended: (id) => liveEnded(id) });
/** true from a click on "Watch live" until the user opens a shot from the list: each new sequence is watched */
let following = false;
/** the sequence whose live view just ended: shown from the database once a reload holds it */
let endedLive: string | null = null;
/** sequences whose live view ended (the status may say "in progress" a few seconds longer): never watched again */
const endedIds = new Set<string>();
/** the live view's last series (for tests) */
let lastLive: ShotSeries | null = null;

/** Shows an error above the content (as text). */
function showError(e: unknown): void {
  errorBox.textContent = (e as Error)?.message ?? String(e);
  errorBox.hidden = false;
}

/** Shows or hides the loading bar; `fraction` null = indeterminate. */
function loading(text: string | null, fraction: number | null = null): void {
  progress.hidden = text === null;
  progress.classList.toggle("indeterminate", fraction === null);
  progressBar.style.width = fraction === null ? "" : `${Math.round(fraction * 100)}%`;
  byId("progress-text").textContent = text ?? "";
}

/** A progress reporter for loading `name`. */
const reporter = (name: string) => (loaded: number, total: number | null) =>
  loading(`Loading ${name} — ${formatBytes(loaded)}${total ? ` of ${formatBytes(total)}` : ""}`, total ? loaded / total : null);

/**
 * Opens database bytes in the worker and shows its sequences; keeps the shown shot when it still
 * exists. With `keep` (the server's snapshot id of the bytes) the worker keeps them for a delta.
 */
async function open(name: string, db: ArrayBuffer, wal: ArrayBuffer | null, keep: string | null = null): Promise<void> {
  await show(name, () => client.request("open", { name, db, wal, keep }, wal ? [db, wal] : [db]));
}

/** Shows what `opening` opened in the worker (see {@link open}). */
async function show(name: string, opening: () => Promise<OpenResult>): Promise<void> {
  loading(`Opening ${name}…`);
  const started = performance.now();
  try {
    const result = await opening();
    shots.clear();
    profiles.clear();
    opened++;
    errorBox.hidden = true;
    document.body.classList.add("has-db");
    replace(byId("db-name"), el("strong", {}, result.name), ` · ${formatBytes(result.bytes)} · schema v${result.schemaVersion}${result.schemaVersion === result.userVersion ? "" : ` (user_version ${result.userVersion})`}`, result.wal !== "none" ? ` · -wal ${result.wal}` : "");
    byId("db-name").title = result.name;
    list.set(result.sequences);
    status.textContent = `${result.sequences.length} sequence${result.sequences.length === 1 ? "" : "s"}, opened in ${(performance.now() - started).toFixed(0)} ms`;
    if (live.watching) {
      list.select(live.watching); // the live view stays; the list is up to date
    } else {
      const ended = endedLive && list.find(endedLive) ? endedLive : null;
      if (ended) endedLive = null;
      const keep = currentId && list.find(currentId) ? currentId : null;
      const wanted = ended ?? keep ?? new URLSearchParams(location.hash.slice(1)).get("seq");
      const first = (wanted && list.find(wanted)?.id) || result.sequences.find((s) => s.active_state === "Espresso")?.id || result.sequences[0]?.id;
      currentId = null;
      if (first) await openShot(first);
      else replace(byId("shot-title"), "No sequences in this database");
    }
    if (list.compareIds.length) compareChanged(list.compareIds);
  } finally {
    loading(null);
  }
}

/** The shot's series, from the cache or the worker. */
async function shot(id: string): Promise<ShotSeries> {
  let s = shots.get(id);
  if (!s) {
    s = await client.request("shot", { id });
    shots.set(id, s);
  }
  return s;
}

/** The profile row, from the cache or the worker. */
async function profile(id: string): Promise<ProfileInfo> {
  let p = profiles.get(id);
  if (!p) {
    p = await client.request("profile", { id });
    profiles.set(id, p);
  }
  return p;
}

/** Shows one sequence: header, chart, profile panel. */
async function openShot(id: string): Promise<void> {
  list.select(id);
  if (id === currentId) return;
  currentId = id;
  try {
    const [s, p] = await Promise.all([shot(id), profile(list.find(id)?.profile_id ?? "")]);
    if (currentId !== id) return;
    renderShotHeader(s, client, showError);
    shotChart.show(s, stepNames(p));
    renderProfile(byId("profile-panel"), p, s.sequence.profile_assumed);
    history.replaceState(null, "", `#seq=${encodeURIComponent(id)}`);
    document.body.dataset.shownSequence = id;
    if (tabs.current === "compare" || tabs.current === "sql") tabs.show(tabs.current);
  } catch (e) {
    showError(e);
  }
}

/** Watches the sequence being recorded: the shot tab shows it as it comes in. */
function watchLive(id: string): void {
  endedLive = null;
  currentId = null;
  list.select(id);
  watchButton.hidden = true;
  tabs.show("shot");
  live.watch(id);
}

/** Shows the watched sequence as it is now (its downloads wait until the database holds it). */
async function showLive(s: ShotSeries): Promise<void> {
  const id = s.sequence.id;
  let names: string[] = [];
  try {
    names = stepNames(await profile(s.sequence.profile_id ?? ""));
  } catch {
    // no profile to name the frames with: the markers go unnamed
  }
  if (live.watching !== id) return;
  lastLive = s;
  renderShotHeader(s, client, showError);
  replace(byId("shot-downloads"));
  shotChart.show(s, names);
  document.body.dataset.live = id;
  document.body.dataset.liveSamples = String(s.time.length);
}

/** The watched sequence ended: the save that follows reloads the database, which then shows it. */
function liveEnded(id: string): void {
  delete document.body.dataset.live;
  endedIds.add(id);
  endedLive = id;
  if (list.find(id)?.end_sequence != null) {
    endedLive = null;
    void openShot(id);
  }
}

/** The user turned to a shot of the list: no live view, and no following. */
function stopFollowing(): void {
  following = false;
  endedLive = null;
  if (live.watching) {
    live.stop();
    delete document.body.dataset.live;
  }
}

/** The status says which sequence is being recorded: offer to watch it, follow it, or end the live view. */
function recording(open: OpenSequence | null): void {
  if (live.watching && live.watching !== open?.id) live.end();
  const watchable = open !== null && !endedIds.has(open.id) && live.watching !== open.id;
  if (watchable && following) watchLive(open.id);
  watchButton.hidden = !watchable || live.watching === open.id;
  if (open) {
    watchButton.dataset.sequenceId = open.id;
    watchButton.textContent = `Watch ${stateName(open.activeState).toLowerCase()} live`;
  }
}

/** The marked shots changed: update the badge, and the chart when it is visible. */
function compareChanged(ids: string[]): void {
  tabs.badge("compare", ids.length ? String(ids.length) : "");
  if (tabs.current === "compare") void showCompare();
}

/** Loads the marked shots and overlays them. */
async function showCompare(): Promise<void> {
  try {
    const ids = list.compareIds;
    const series = await Promise.all(ids.map(shot));
    compare.show(series);
  } catch (e) {
    showError(e);
  }
}

function shownTab(tab: TabName): void {
  if (tab === "shot") shotChart.fit();
  if (tab === "compare") void showCompare();
}

/** Opens picked or dropped files. */
async function openFiles(files: File[]): Promise<void> {
  try {
    stopFollowing(); // another file: the server's recording is not what it holds
    const picked = pairFiles(files);
    const db = await gunzipIfGzip(picked.db.name, await readFile(picked.db, reporter(picked.db.name)));
    const wal = picked.wal ? await readFile(picked.wal, reporter(picked.wal.name)) : null;
    await open(picked.db.name, db, wal);
    source = null;
    shownSnapshot = null;
  } catch (e) {
    loading(null);
    showError(e);
  }
}

/** The page's own query: `?db=URL`, `?keep=on|off`. */
const pageParams = new URLSearchParams(location.search);
/** Where the open database came from, when it can be loaded again (a URL). */
let source: string | null = null;
/** The name the open database was loaded under (a delta keeps it). */
let shownName: string | null = null;
/** The server's change mark of the shown `/db` bytes (null before the first load, or for another source). */
let shownMark: ChangeMark | null = null;
/** The newest change the server announced (its event stream's hello or changed). */
let announced: ChangeMark | null = null;

/** The server's snapshot id of the `/db` bytes the worker keeps for a delta (null: none kept). */
let shownSnapshot: string | null = null;
/** Each copy kept in this browser: its snapshot id and the bytes written for it, newest last (a test and benchmark hook). */
const keeps: { id: string; written: number }[] = [];
/** What each load from a URL fetched, newest last (a test and benchmark hook). */
const loads: { kind: "whole" | "delta" | "refused" | "kept"; bytes: number }[] = [];

/**
 * Loads a database from a URL. Loading `/db` again, it asks our server for only the blocks that
 * changed since the bytes it holds; should the delta not apply, it loads the whole file.
 */
async function openUrl(url: string): Promise<void> {
  const before = announced;
  const fromKept = url === "db" && source === null && keepCopy ? await openKeptCopy() : null;
  if (fromKept) {
    status.textContent += ` · from this browser's copy (${formatBytes(loads[loads.length - 1].bytes)} of changes)`;
    return shown(url, fromKept.name, fromKept.snapshot, fromKept.mark ?? before);
  }
  const since = url === "db" && source === "db" ? shownSnapshot : null;
  const fetched = await fetchDatabase(url, reporter, since);
  const { bytes, mark } = fetched;
  const name = fetched.delta ? (shownName ?? fetched.name) : fetched.name;
  shownSnapshot = null;
  if (fetched.delta) {
    try {
      await showPatched(name, bytes, "delta");
    } catch (e) {
      console.warn(`the delta from the server did not apply (${(e as Error).message}); loading the whole database`);
      return openUrl(url);
    }
  } else {
    loads.push({ kind: "whole", bytes: bytes.byteLength });
    await open(name, await gunzipIfGzip(name, bytes), null, url === "db" ? fetched.snapshot : null);
  }
  // without a mark (not our server), the bytes count as holding every change announced before the fetch
  shown(url, name, fetched.snapshot, mark ?? before);
}

/** Shows the worker's kept bytes patched by `delta`, noting the load as `kind` (as "refused" when it does not apply). */
async function showPatched(name: string, delta: ArrayBuffer, kind: "delta" | "kept"): Promise<void> {
  const load: (typeof loads)[number] = { kind, bytes: delta.byteLength };
  loads.push(load);
  try {
    await show(name, () => client.request("patch", { name, delta }, [delta]));
  } catch (e) {
    load.kind = "refused";
    throw e;
  }
}

/** Notes what a load from `url` shows: its name, the server's snapshot id and change mark. */
function shown(url: string, name: string, snapshot: string | null, mark: ChangeMark | null): void {
  shownSnapshot = url === "db" ? snapshot : null;
  shownName = name;
  source = url;
  shownMark = url === "db" ? mark : null;
  // an announcement from a server other than the one that served these bytes is from before a restart
  if (announced && shownMark && announced.server !== shownMark.server) announced = null;
  if (url === "db") keepForNextVisit();
}

/**
 * Whether this browser keeps a copy of the database between visits (kept-copy.ts): `?keep=on` or
 * `?keep=off`; by default on when the page comes from another computer (a phone on Wi-Fi, where
 * the download is the slow part), off on the computer that serves it. `off` also forgets a copy.
 */
const keepCopy = ((): boolean => {
  const asked = pageParams.get("keep");
  if (asked === "on" || asked === "off") return asked === "on";
  return !["127.0.0.1", "localhost", "[::1]", "::1"].includes(location.hostname);
})();
let keepTimer: ReturnType<typeof setTimeout> | undefined;

/** A moment after a load from the server, keeps what the worker holds, with the server's hashes of it. */
function keepForNextVisit(): void {
  if (!keepCopy) return;
  clearTimeout(keepTimer);
  keepTimer = setTimeout(() => {
    const id = shownSnapshot;
    const name = shownName;
    if (!id || !name || source !== "db") return;
    void (async () => {
      try {
        const res = await fetch(`db/hashes?snapshot=${encodeURIComponent(id)}`, { cache: "no-store" });
        if (!res.ok) return; // the server has moved on: the next load keeps its own
        const hashes = await res.arrayBuffer();
        const written = await client.request("persist", { id, name, hashes }, [hashes]);
        if (written === null) return;
        keeps.push({ id, written });
        document.body.dataset.kept = id;
      } catch (e) {
        console.warn(`could not keep a copy of the database in this browser: ${(e as Error).message}`);
      }
    })();
  }, 2000);
}

/**
 * Opens the copy this browser kept, with only the blocks it lacks from the server (found by
 * comparing the server's hashes of it with those of what it serves now); null when there is no
 * copy, most of it changed, or anything fails: the caller then loads the whole file.
 */
async function openKeptCopy(): Promise<{ name: string; snapshot: string; mark: ChangeMark | null } | null> {
  try {
    const restored = await client.request("restore", null);
    if (!restored) return null;
    const held = readHashList(new Uint8Array(restored.hashes));
    const res = await fetch("db/hashes", { cache: "no-store" });
    if (!res.ok) return null;
    const now = readHashList(new Uint8Array(await res.arrayBuffer()));
    const blocks = changedBlocks(held, now);
    if (!worthADelta(blocks.length, now.blockSize, now.length)) return null; // most of it changed
    const runs = blockRunsText(blocks);
    if (runs.length > 6000) return null; // too scattered for one request
    const query = `snapshot=${encodeURIComponent(now.snapshot)}&base=${encodeURIComponent(held.snapshot)}&runs=${runs}`;
    const got = await fetch(`db/blocks?${query}`, { cache: "no-store" });
    if (!got.ok) return null; // changed again since the hashes: the whole file
    await showPatched(restored.name, await got.arrayBuffer(), "kept");
    return { name: restored.name, snapshot: now.snapshot, mark: parseChangeMark(got.headers.get("X-Pyde1-Changes")) };
  } catch (e) {
    console.warn(`the copy kept in this browser could not be used (${(e as Error).message}); loading the whole database`);
    return null;
  }
}

/**
 * Follows the server's change events, opened before the first load so no change is missed:
 * reloads `/db` while the server has announced a change that the shown bytes do not hold. A change
 * announced during a reload is looked at when it ends; reconnecting to a restarted server (whose
 * hello names another process) reloads, since changes made while it was down were never sent.
 */
function followChanges(): { catchUp: () => Promise<void> } {
  let reloading = false;
  const catchUp = async () => {
    if (reloading) return; // the running loop looks again when its load ends
    reloading = true;
    try {
      while (source === "db" && announced && shownMark && isNewer(announced, shownMark)) {
        await openUrl("db");
        const last = loads[loads.length - 1];
        status.textContent += last?.kind === "delta" ? ` · refreshed (${formatBytes(last.bytes)} of changes)` : " · refreshed";
      }
    } catch (e) {
      showError(e);
    } finally {
      reloading = false;
    }
  };
  if (typeof EventSource !== "undefined") {
    const events = new EventSource("api/events");
    const heard = (e: MessageEvent) => {
      try {
        const data = JSON.parse(String(e.data)) as { mark?: unknown };
        const mark = parseChangeMark(typeof data.mark === "string" ? data.mark : null);
        if (mark) announced = mark;
      } catch {
        return;
      }
      void catchUp();
    };
    events.addEventListener("hello", heard);
    events.addEventListener("changed", heard);
  }
  return { catchUp };
}

/** Drag-and-drop of database files anywhere on the page. */
function setupDrop(): void {
  const overlay = byId("drop-overlay");
  let depth = 0;
  const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");
  document.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  document.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) void openFiles(files);
  });
}

async function boot(): Promise<void> {
  setupSqlConsole(client);
  setupDrop();
  const input = byId<HTMLInputElement>("file-input");
  input.addEventListener("change", () => {
    const files = [...(input.files ?? [])];
    input.value = "";
    if (files.length) void openFiles(files);
  });
  errorBox.addEventListener("click", () => (errorBox.hidden = true));
  const param = pageParams.get("db");
  if (pageParams.get("keep") === "off") await client.request("forget", null).catch(() => null);
  try {
    if (param) {
      await openUrl(param);
    } else if (location.protocol.startsWith("http")) {
      watchButton.addEventListener("click", () => {
        const id = watchButton.dataset.sequenceId;
        if (!id) return;
        following = true;
        watchLive(id);
        byId("tab-shot").scrollIntoView({ block: "nearest" }); // on a phone the chart is below the list
      });
      followRecorderStatus(byId("recorder-status"), recording);
      const changes = followChanges();
      await openUrl("db");
      await changes.catchUp(); // a change announced while the first load ran
    }
  } catch (e) {
    loading(null);
    if (param) showError(e);
    else status.textContent = "Open a pyDE1 database to begin.";
  }
  document.body.dataset.ready = String(opened);
}

/** Test and benchmark hooks: the charts, how many databases were opened, the live view's series. */
(window as unknown as { pyde1Viewer: unknown }).pyde1Viewer = {
  get shotChart() {
    return shotChart.chart;
  },
  get compareChart() {
    return compare.chart;
  },
  get opened() {
    return opened;
  },
  /** each load from a URL: a whole file or a delta, and its bytes */
  get loads() {
    return loads;
  },
  /** each copy kept in this browser between visits, and the bytes written for it */
  get keeps() {
    return keeps;
  },
  /** the live view's last series, or null */
  get live() {
    return lastLive;
  },
};
void boot();

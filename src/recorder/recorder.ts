/**
 * The recorder: pyDE1's notifications (and pyDE1's HTTP answers) in, the rows pyDE1's own
 * recorder writes out. A pure state machine over a {@link Store}: no sockets, no timers; the clock
 * is each event's time, so a capture always replays into the same database.
 *
 * What it does, as pyDE1 2.0.0 does (facts: "How pyDE1 records a sequence"), with pyDE1's missing
 * fallbacks fixed: rolling pre-roll buffers per class; a sequence's master row on its first gate
 * clear; on the `sequence_start` set the buffers are written and recording goes live; the flow
 * gates fill the master row's times; recording stops after the `sequence_complete` set — or when a
 * new sequence's gates arrive, when the watchdog expires, or when a pyDE1 will says `Died`.
 */
import { CLASS_BY_NAME, UNSTORED_CLASSES, columnsOf } from "../catalog";
import type { Store } from "../store/store";
import type { SequenceTime } from "../store/sequences";
import type { MessageEvent, RecorderEvent, ResourceEvent } from "./events";
import { RateLimitedLog, silent, type Log } from "./log";
import { parseObject, readNotification, decodePayload, type Notification, type Rejection } from "./payload";
import { PendingWrites } from "./pending-writes";
import { PreRoll } from "./pre-roll";
import { ResourceSnapshots, answerText, columnForResource } from "./resources";
import { bump, newStats, type IgnoreReason, type RecorderStats } from "./stats";
import { classifyTopic } from "./topics";
import { GATE_CLASS, GATE_TIMES, readGate, type Gate } from "./gate";
import { ProfileKnowledge } from "./profile-knowledge";
import type { CloseReason, RecorderOptions, SequenceInfo } from "./options";

export type { CloseReason, RecorderOptions, SequenceInfo } from "./options";

interface OpenSequence extends SequenceInfo {
  startSequence: number;
  /** the clock when it opened (for the watchdog) */
  readonly openedAt: number;
  recording: boolean;
}

/** Turns pyDE1's feed into the database pyDE1's own recorder writes. */
export class Recorder {
  private readonly root: string;
  private readonly watchdog: number;
  private readonly batch: number;
  private readonly log: Log;
  private readonly limited: RateLimitedLog;
  private readonly pending: PendingWrites;
  private readonly preRoll = new PreRoll();
  private readonly snapshots = new ResourceSnapshots();
  private readonly profile: ProfileKnowledge;
  private readonly counts = newStats();
  /** recent sequences by id (for HTTP answers and stray gates), newest last */
  private readonly recent = new Map<string, OpenSequence>();
  private current: OpenSequence | null = null;
  private clock = 0;
  /** each used event's place in the input, for {@link retained} */
  private serial = 0;
  /** the latest event of each kind that the recorder's knowledge (profile, resources) rests on */
  private readonly stateEvents = new Map<string, { event: RecorderEvent; serial: number }>();
  /** true while {@link prime} runs: state is rebuilt, nothing is written, counted or reported */
  private priming = false;

  constructor(
    private readonly store: Store,
    private readonly options: RecorderOptions = {},
  ) {
    this.root = options.topicRoot ?? "pyDE1";
    this.watchdog = options.watchdogSeconds ?? 270;
    this.batch = options.batchWrites ?? 1000;
    this.log = options.log ?? silent;
    this.limited = new RateLimitedLog(this.log);
    this.pending = new PendingWrites(store, this.log, () => this.counts.writeErrors++);
    this.profile = new ProfileKnowledge(store, this.pending);
  }

  /** A snapshot of the counters. */
  get stats(): RecorderStats {
    return structuredClone(this.counts);
  }

  /** The sequence being recorded or waiting for its start, or null. */
  get openSequence(): SequenceInfo | null {
    return this.current ? { ...this.current } : null;
  }

  /** How many writes wait for the next commit. */
  get queuedWrites(): number {
    return this.pending.length;
  }

  /**
   * The events the recorder's state rests on when no sequence is open: the pre-roll buffers'
   * notifications and the latest profile and resource knowledge, in input order. Feeding them to
   * {@link prime} of a new recorder rebuilds that state (a journal keeps them across a save).
   */
  retained(): RecorderEvent[] {
    const kept = [...this.preRoll.contents(), ...this.stateEvents.values()];
    return kept.sort((a, b) => a.serial - b.serial).map((k) => k.event);
  }

  /**
   * Rebuilds state from events already in the database (see {@link retained}): fills the pre-roll
   * and the profile and resource knowledge, marks their sequences as closed; writes nothing,
   * counts nothing, calls no hooks.
   */
  prime(events: Iterable<RecorderEvent>): void {
    const counts = structuredClone(this.counts);
    this.priming = true;
    this.pending.muted = true;
    try {
      for (const e of events) this.handle(e);
    } finally {
      this.priming = false;
      this.pending.muted = false;
      Object.assign(this.counts, counts);
    }
  }

  /** Feeds one event. Never throws. */
  handle(event: RecorderEvent): void {
    if (event.kind === "message") this.messageEvent(event);
    else this.resource(event.path, event.body, event.time, event.sequenceId);
  }

  /** Feeds one MQTT message received at `time` (epoch seconds). Never throws. */
  message(topic: string, payload: string | Uint8Array, time: number): void {
    this.messageEvent({ kind: "message", topic, payload, time });
  }

  /** Feeds one MQTT message event (kept as it is: the pre-roll and the journal hold it). */
  private messageEvent(event: MessageEvent): void {
    const topic = event.topic;
    try {
      this.tick(event.time);
      const t = classifyTopic(topic, this.root);
      if (t.kind === "notification") this.notification(t.className, event);
      else if (t.kind === "update") this.update(t.path, event);
      else if (t.kind === "will") this.will(t.client, event);
      else this.ignore("other-topic", topic);
      if (this.pending.length >= this.batch) this.pending.flush();
    } catch (e) {
      this.log("error", `recorder: unexpected failure on ${String(topic).slice(0, 200)}: ${(e as Error).stack ?? e}`);
    }
  }

  /**
   * Feeds pyDE1's HTTP answer for a resource (`body` = the text `null` when the GET failed), for
   * `sequenceId` or else the newest sequence. Never throws.
   */
  resource(path: string, body: string, time: number, sequenceId?: string): void {
    try {
      this.tick(time);
      const seq = sequenceId !== undefined ? this.recent.get(sequenceId) : [...this.recent.values()].pop();
      if (!seq) return this.ignore("stray-resource", path);
      const event: ResourceEvent = { kind: "resource", path, body, time, ...(sequenceId !== undefined ? { sequenceId } : {}) };
      const text = answerText(body);
      if (path === "de1/profile/id") {
        this.profile.answered(seq.id, text);
        this.stateEvents.set("answer:profile", { event, serial: this.serial++ });
      } else {
        const column = columnForResource(path, seq.activeState);
        if (!column) return this.ignore("stray-resource", path);
        this.pending.add(() => this.store.sequences.setResource(seq.id, column, text));
      }
      this.counts.resources++;
      this.hook("onAccepted", () => this.options.onAccepted?.(event));
    } catch (e) {
      this.log("error", `recorder: unexpected failure on resource ${String(path).slice(0, 200)}: ${(e as Error).stack ?? e}`);
    }
  }

  /** Advances the clock to `now` and closes a sequence whose watchdog expired. Never throws. */
  tick(now: number): void {
    if (Number.isFinite(now)) this.clock = now;
    const seq = this.current;
    if (seq && this.clock - seq.openedAt > this.watchdog) {
      this.log("warn", `recorder: sequence ${seq.id} still open after ${this.watchdog} s; closing it (watchdog)`);
      this.close("watchdog");
    }
  }

  /** Commits every queued write. Call before exporting the database. Returns the writes committed. */
  flush(): number {
    return this.pending.flush();
  }

  /**
   * Holds the database still (`true`: writes queue up in memory, nothing is committed, events are
   * handled as usual) or lets it go (`false`: the queued writes are committed now). A save that
   * writes the database's bytes while recording goes on holds it for that time.
   */
  holdWrites(hold: boolean): void {
    this.pending.held = hold;
    if (!hold) this.pending.flush();
  }

  /** Stops recording an open sequence (e.g. on shutdown) and commits. */
  close(reason: CloseReason = "shutdown"): void {
    const seq = this.current;
    this.current = null;
    if (seq) bump(this.counts.closed, reason);
    this.pending.flush();
    if (seq) {
      if (reason !== "complete") this.log("info", `recorder: sequence ${seq.id} closed (${reason})`);
      this.hook("onSequenceEnd", () => this.options.onSequenceEnd?.({ id: seq.id, activeState: seq.activeState, startSequence: seq.startSequence }, reason));
    }
  }

  /** Runs a caller's hook; its failure is logged, never thrown into the recording. */
  private hook(name: string, run: () => void): void {
    if (this.priming) return;
    try {
      run();
    } catch (e) {
      this.log("error", `recorder: the ${name} hook failed: ${(e as Error).message}`);
    }
  }

  private ignore(reason: IgnoreReason, what: string): void {
    bump(this.counts.ignored, reason);
    this.log("debug", `recorder: ignored ${reason}: ${what.slice(0, 200)}`);
  }

  private reject(r: Rejection, topic: string): void {
    bump(this.counts.rejected, r.kind);
    this.limited.report("warn", r.kind, `recorder: rejected a malformed payload on ${topic.slice(0, 200)} (${r.kind}: ${r.detail})`, this.clock);
  }

  private notification(className: string, event: MessageEvent): void {
    const cls = CLASS_BY_NAME.get(className);
    if (!cls) return this.ignore(UNSTORED_CLASSES.includes(className) ? "unstored-class" : "unknown-class", event.topic);
    const n = readNotification(cls, event.payload, cls.name === GATE_CLASS ? ["sequence_id"] : []);
    if (!n.ok) return this.reject(n, event.topic);
    this.counts.accepted++;
    this.hook("onAccepted", () => this.options.onAccepted?.(event));
    const gate = cls.name === GATE_CLASS ? readGate(n) : null;
    if (gate && this.priming) this.remember({ id: gate.sequenceId, activeState: gate.activeState, startSequence: n.arrivalTime, openedAt: 0, recording: false });
    else if (gate) this.beforeGate(gate, n);
    this.preRoll.push({ notification: n, event, serial: this.serial++ });
    if (this.current?.recording) this.write(n, this.current.id);
    if (gate && !this.priming) this.afterGate(gate, n);
  }

  private write(n: Notification, sequenceId: string): void {
    const values = [sequenceId, ...n.values];
    if (values.length !== columnsOf(n.cls).length) throw new Error(`catalog mismatch for ${n.cls.name}`);
    this.counts.rows++;
    this.pending.add(() => this.store.notifications.insert(n.cls, values));
  }

  /**
   * A gate of another sequence ends the open one and opens its own (but not pyDE1's abort of a
   * sequence that never ran, which has no active state); a late clear moves the start.
   */
  private beforeGate(gate: Gate, n: Notification): void {
    const seq = this.current;
    if (seq && gate.sequenceId === seq.id) {
      if (gate.action === "clear" && n.arrivalTime < seq.startSequence) {
        seq.startSequence = n.arrivalTime;
        this.setTime(seq.id, "start_sequence", n.arrivalTime);
      }
      return;
    }
    if (this.recent.has(gate.sequenceId)) return; // a late gate of a closed sequence: buffered only
    // pyDE1 aborts a sequence that never ran (no active state) as it starts the first one after
    // its own start: that gate opens nothing and ends nothing, and its own id keeps it out of any pre-roll
    if (gate.activeState === "") return;
    if (seq) this.close("superseded");
    this.open(gate, n);
  }

  /** Sets start recording (with the pre-roll), fill the master row's times, and end the sequence. */
  private afterGate(gate: Gate, n: Notification): void {
    const seq = this.current;
    if (!seq || gate.sequenceId !== seq.id || gate.action !== "set") return;
    if (!seq.recording) {
      seq.recording = true;
      for (const { notification } of this.preRoll.contents()) {
        if (notification.cls.name === GATE_CLASS && readGate(notification)?.sequenceId !== seq.id) continue;
        this.write(notification, seq.id);
      }
    }
    const column = GATE_TIMES.get(gate.name);
    if (column) this.setTime(seq.id, column, n.eventTime);
    if (gate.name === "sequence_complete") this.close("complete");
  }

  private setTime(id: string, column: SequenceTime, value: number): void {
    this.pending.add(() => this.store.sequences.setTime(id, column, value));
  }

  private open(gate: Gate, n: Notification): void {
    const seq: OpenSequence = {
      id: gate.sequenceId,
      activeState: gate.activeState,
      startSequence: n.arrivalTime,
      openedAt: this.clock,
      recording: false,
    };
    this.current = seq;
    this.remember(seq);
    const { profileId, assumed } = this.profile.forNewSequence();
    const resources = this.snapshots.forSequence(seq.activeState);
    this.pending.add(() => {
      if (this.store.sequences.has(seq.id)) return; // already stored (e.g. recorded before a restart)
      this.store.sequences.insert({
        id: seq.id,
        active_state: seq.activeState,
        start_sequence: seq.startSequence,
        profile_id: profileId,
        profile_assumed: assumed,
      });
      for (const r of resources) this.store.sequences.setResource(seq.id, r.column, r.text);
    });
    this.counts.sequences++;
    this.log("info", `recorder: sequence ${seq.id} (${seq.activeState}) opened`);
    this.hook("onSequenceStart", () => this.options.onSequenceStart?.({ id: seq.id, activeState: seq.activeState, startSequence: seq.startSequence }));
  }

  /** Keeps a sequence among the recent ones (HTTP answers find it; its late gates do not reopen it). */
  private remember(seq: OpenSequence): void {
    this.recent.delete(seq.id);
    this.recent.set(seq.id, seq);
    if (this.recent.size > 64) this.recent.delete(this.recent.keys().next().value as string);
  }

  private update(path: string, event: MessageEvent): void {
    const parsed = parseObject(event.payload);
    if (!parsed.ok) return this.reject(parsed, event.topic);
    if (path === "de1/profile/id") {
      if (!this.profile.published(parsed.object, event.time)) return this.ignore("other-topic", event.topic);
    } else if (this.snapshots.update(path, parsed.text) === 0) {
      return this.ignore("other-topic", event.topic);
    }
    this.stateEvents.set(`update:${path}`, { event, serial: this.serial++ });
    this.counts.updates++;
    this.hook("onAccepted", () => this.options.onAccepted?.(event));
  }

  private will(client: string, event: MessageEvent): void {
    const decoded = decodePayload(event.payload);
    bump(this.counts.ignored, "will");
    if (!decoded.ok || decoded.text.trim() !== "Died") return;
    this.hook("onAccepted", () => this.options.onAccepted?.(event));
    this.log("warn", `recorder: pyDE1's ${client.slice(0, 100)} client died`);
    if (this.current) this.close("died");
  }
}

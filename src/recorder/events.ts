/**
 * The recorder's inputs. Every input is an event in one log — an MQTT message or an HTTP answer —
 * so a session's events, written out as a capture, replay into the identical database.
 */

/** A message received on the MQTT feed. */
export interface MessageEvent {
  readonly kind: "message";
  /** the full topic, e.g. `pyDE1/ShotSampleWithVolumesUpdate` */
  readonly topic: string;
  /** the payload as received: text, or bytes (checked for UTF-8 by the recorder) */
  readonly payload: string | Uint8Array;
  /** receive time, epoch seconds (the injected clock) */
  readonly time: number;
}

/** What pyDE1's HTTP API answered for one resource (the text `null` when the GET failed). */
export interface ResourceEvent {
  readonly kind: "resource";
  /** the resource path, e.g. `de1/profile/id`, `de1/control/espresso` */
  readonly path: string;
  /** the answer's body, JSON text */
  readonly body: string;
  /** receive time, epoch seconds */
  readonly time: number;
  /** the sequence the GET was made for; when absent, the newest sequence */
  readonly sequenceId?: string;
}

/** Any input of the recorder. */
export type RecorderEvent = MessageEvent | ResourceEvent;

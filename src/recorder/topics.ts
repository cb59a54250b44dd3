/**
 * What a topic under pyDE1's root means: a notification (`<root>/<class>`), a state push
 * (`<root>/update/<resource path>`), a client will (`<root>/status/mqtt/<client>`), or something
 * the recorder does not use (`<root>/log`, anything outside the root).
 */

/** A topic's meaning for the recorder. */
export type TopicKind =
  | { kind: "notification"; className: string }
  | { kind: "update"; path: string }
  | { kind: "will"; client: string }
  | { kind: "other" };

/** Classifies `topic` under the topic root (e.g. `pyDE1`). */
export function classifyTopic(topic: string, root: string): TopicKind {
  const prefix = root.replace(/\/+$/, "") + "/";
  if (!topic.startsWith(prefix)) return { kind: "other" };
  const rest = topic.slice(prefix.length);
  if (rest.startsWith("update/")) return { kind: "update", path: rest.slice("update/".length) };
  if (rest.startsWith("status/mqtt/")) return { kind: "will", client: rest.slice("status/mqtt/".length) };
  if (rest === "log" || rest.startsWith("log/")) return { kind: "other" };
  if (rest.length > 0 && !rest.includes("/")) return { kind: "notification", className: rest };
  return { kind: "other" };
}

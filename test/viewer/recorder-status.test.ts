import { describe, expect, it } from "vitest";
import { ago, statusLine } from "../../src/viewer/recorder-status";

const base = { recording: true, now: 1_000_000, broker: "mqtt://pi:1883", accepted: 10, rejected: 0, openSequence: null, lastSavedAt: null };

describe("the viewer's recorder status line", () => {
  it("says how long ago, in the unit a person reads", () => {
    expect([0, 2499, 2500, 89_000, 90_000, 5_399_000, 5_400_000, 129_599_000, 129_600_000].map(ago)).toEqual([
      "just now",
      "just now",
      "3 s ago",
      "89 s ago",
      "2 min ago",
      "90 min ago",
      "2 h ago",
      "36 h ago",
      "2 days ago",
    ]);
    expect(ago(-5000)).toBe("just now"); // a server clock a little behind the message time
  });

  it("puts the broker's state first, warns when not connected, and adds what it knows", () => {
    expect(statusLine({ ...base, feed: "connected", lastMessageAt: null })).toEqual({ parts: ["Recording", "no message from pyDE1 yet"], warn: false });
    expect(
      statusLine({ ...base, feed: "connected", lastMessageAt: 1_000_000 - 12_000, lastSavedAt: 1_000_000 - 300_000, openSequence: { id: "x", activeState: "Steam" }, rejected: 2 }),
    ).toEqual({ parts: ["Recording", "Steam in progress", "last message 12 s ago", "saved 5 min ago", "2 refused (see its log)"], warn: false });
    expect(statusLine({ ...base, feed: "retrying", lastMessageAt: 1_000_000 - 60_000 })).toEqual({
      parts: ["Recording: broker unreachable, retrying", "last message 60 s ago"],
      warn: true,
    });
    expect(statusLine({ ...base, feed: "refused", lastMessageAt: null }).parts[0]).toBe("Recording: the broker refused the login");
  });
});

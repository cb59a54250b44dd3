import { describe, expect, it } from "vitest";
import { Recorder } from "../../src/recorder/recorder";
import { readCapture } from "../../src/ingest/capture";
import { RECORDINGS } from "../support/paths";
import { expectMatches, prepareStore, readRecording } from "./expected";

describe("recording a capture gives the database pyDE1 wrote", () => {
  for (const name of RECORDINGS) {
    it(name, async () => {
      const rec = readRecording(name);
      const store = await prepareStore(rec);
      const ended: string[] = [];
      const recorder = new Recorder(store, { topicRoot: rec.manifest.topic_root, onSequenceEnd: (s, why) => ended.push(`${s.id} ${why}`) });
      for (const event of readCapture(rec.capture)) recorder.handle(event);
      recorder.close();
      expectMatches(store, rec);
      const ids = Object.keys(rec.manifest.sequences);
      expect(ended).toEqual(ids.map((id) => `${id} complete`));
      const stats = recorder.stats;
      expect(stats.rejected).toEqual({});
      expect(stats.sequences).toBe(ids.length);
      store.close();
    });
  }
});

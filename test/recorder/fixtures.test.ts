import { describe, it } from "vitest";
import { RECORDINGS } from "../support/paths";
import { expectRecordedAsPyde1, readRecording } from "./expected";

describe("recording a capture gives the database pyDE1 wrote", () => {
  for (const name of RECORDINGS) it(name, () => expectRecordedAsPyde1(readRecording(name)));
});

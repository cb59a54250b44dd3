process.env.TZ = "America/Los_Angeles";

import { describe, expect, it } from "vitest";
import { rfc2822Local, wholeSeconds } from "../../src/export/local-time";
import { formatInt, roundHalfEven } from "../../src/export/python-format";

describe("rfc2822Local (pyDE1 local_time)", () => {
  it("writes the process's zone, as in the real pyDE1 file pyde.faketcl (-0800)", () => {
    // pyde.faketcl: clock 1668183435, local_time {Fri, 11 Nov 2022 08:17:14 -0800}: start_flow was in [..34.5, ..35)
    const startFlow = 1668183434.62;
    expect(formatInt(roundHalfEven(startFlow))).toBe("1668183435");
    expect(rfc2822Local(startFlow)).toBe("Fri, 11 Nov 2022 08:17:14 -0800");
  });
  it("follows daylight saving time", () => {
    expect(rfc2822Local(1657552634)).toBe("Mon, 11 Jul 2022 08:17:14 -0700");
  });
  it("rounds to microseconds before truncating to seconds, like datetime.fromtimestamp", () => {
    expect(wholeSeconds(1700000000.9999996)).toBe(1700000001);
    expect(wholeSeconds(1700000000.9999)).toBe(1700000000);
  });
});

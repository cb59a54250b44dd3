/**
 * On a Node.js older than the command needs (Debian 12's and Raspberry Pi OS's own nodejs is 18),
 * every command stops at once with one line that names the version needed, the version found and
 * what to do, instead of an import error from inside the bundle. Run on real Node.js 18 and 20.12.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { oldNode } from "../support/old-node";
import { ROOT, scratch } from "../support/paths";

describe("an older Node.js", () => {
  for (const version of ["18.19.0", "20.12.2"]) {
    it(`${version}: the command says which Node.js it needs, exits 1, and does nothing`, () => {
      const node = realpathSync(oldNode(version)); // as process.execPath names it: symbolic links resolved
      expect(spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()).toBe(`v${version}`);
      const db = join(scratch(), "new.sqlite3");
      for (const args of [["--help"], ["init", "--db", db], ["start", "--db", db, "--port", "0"]]) {
        const r = spawnSync(node, [join(ROOT, "dist/cli.js"), ...args], { encoding: "utf8", timeout: 60_000 });
        expect(r.status, r.stderr).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr.trim().split("\n")).toEqual([
          `pyde1-store: needs Node.js 20.15 or newer, and this is v${version} (${node}). ` +
            "Install Node.js 20 or 22 (see the README: Debian's and Raspberry Pi OS's own nodejs is 18), then run 'npm install' again.",
        ]);
      }
      expect(existsSync(db)).toBe(false);
    });
  }

  it("the Node.js running the tests (>= 20.15) gets the command itself", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), "--help"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pyde1-store <command>/);
  });
});

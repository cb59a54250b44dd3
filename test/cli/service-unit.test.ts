/**
 * `scripts/service.mjs`, the systemd unit that keeps the main job running on a Pi: systemd's own
 * checker (`systemd-analyze verify`) accepts what it prints, and the unit's ExecStart, run as systemd
 * would run it, records from a real mosquitto and saves and exits 0 on systemd's stop signal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { Mosquitto } from "../support/mosquitto";
import { ROOT, scratch } from "../support/paths";
import { sqlite3 } from "../support/cli";

/** Runs `node scripts/service.mjs ARGS`. */
function service(...args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, "scripts/service.mjs"), ...args], { encoding: "utf8", env: { ...process.env, SUDO_USER: "" } });
}

/** The value of `key=` in a unit's text (the first one). */
function setting(unit: string, key: string): string | undefined {
  return new RegExp(`^${key}=(.*)$`, "m").exec(unit)?.[1];
}

/** systemd's reading of an ExecStart line made only of double-quoted words: C escapes, then %% and $$ (a lone % or $ fails the test). */
function execWords(line: string): string[] {
  const words = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
  expect(words.map((w) => `"${w}"`).join(" ")).toBe(line); // nothing outside the quotes
  return words.map((w) => {
    const unescaped = w.replace(/\\(.)/g, "$1");
    // a lone % is a specifier and a lone $ a variable, which systemd would replace
    const rest = unescaped.replace(/%%|\$\$/g, "");
    expect(rest, w).not.toMatch(/[%$]/);
    return unescaped.replace(/%%/g, "%").replace(/\$\$/g, "$");
  });
}

/** `systemd-analyze verify` on a unit file: its exit code and what it said. */
function verify(file: string) {
  const r = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
  return { code: r.status, said: `${r.stdout}${r.stderr}` };
}

let broker: Mosquitto;
beforeAll(async () => {
  broker = await Mosquitto.start();
});
afterAll(async () => {
  await broker?.stop();
});

describe("scripts/service.mjs", () => {
  const user = userInfo().username;

  it("prints a unit that systemd accepts, and whose ExecStart records, saves on SIGTERM and exits 0", async () => {
    const dir = scratch();
    const db = join(dir, "shots", "pyde1.sqlite3");
    const r = service("--user", user, "--db", db, "--", "--broker", broker.url, "--port", "0");
    expect(r.status, r.stderr).toBe(0);
    const file = join(dir, "pyde1-store.service");
    writeFileSync(file, r.stdout);
    const checked = verify(file);
    expect(checked.code, checked.said).toBe(0);
    expect(checked.said).toBe("");
    expect(setting(r.stdout, "User")).toBe(user);
    expect(setting(r.stdout, "KillSignal")).toBe("SIGTERM");
    expect(setting(r.stdout, "Restart")).toBe("on-failure");
    expect(setting(r.stdout, "WantedBy")).toBe("multi-user.target");
    expect(setting(r.stdout, "StateDirectory")).toBeUndefined(); // the database's folder is made by the job itself
    expect(setting(r.stdout, "WorkingDirectory")).toBeUndefined();

    // run ExecStart as systemd would: its words, in / (no WorkingDirectory), stopped with KillSignal
    const [program, ...args] = execWords(setting(r.stdout, "ExecStart")!);
    expect(program).toBe(process.execPath);
    expect(args.slice(0, 4)).toEqual([join(ROOT, "dist/cli.js"), "start", "--db", db]);
    const job = spawn(program, args, { cwd: "/", stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    job.stdout.on("data", (d) => (out += d));
    job.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => job.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!/mqtt: connected to /.test(out) || !/serving http:/.test(out)) {
      if (job.exitCode !== null || Date.now() > deadline) throw new Error(`the unit's job did not start:\n${out}`);
      await new Promise((w) => setTimeout(w, 20));
    }
    job.kill("SIGTERM");
    expect(await exited, out).toBe(0);
    expect(out).toMatch(/saved and closed/);
    expect(sqlite3(db, "PRAGMA integrity_check")).toBe("ok");
    expect(sqlite3(db, "PRAGMA user_version")).toBe("3");
  });

  it("by default keeps the database in the folder systemd makes for the service", () => {
    const r = service("--user", user);
    expect(r.status, r.stderr).toBe(0);
    expect(setting(r.stdout, "StateDirectory")).toBe("pyde1-store");
    expect(setting(r.stdout, "WorkingDirectory")).toBe("/var/lib/pyde1-store");
    expect(execWords(setting(r.stdout, "ExecStart")!).slice(2)).toEqual(["start", "--db", "/var/lib/pyde1-store/pyde1.sqlite3"]);
    const file = join(scratch(), "pyde1-store.service");
    writeFileSync(file, r.stdout);
    expect(verify(file).code).toBe(0);
  });

  it("quotes paths with spaces, quotes, % and $ so that systemd passes them on unchanged", () => {
    const db = "/srv/my shots/\"50%\" $HOME\\x.sqlite3";
    const r = service("--user", user, "--db", db, "--", "--password", "p%a$s s");
    expect(r.status, r.stderr).toBe(0);
    expect(execWords(setting(r.stdout, "ExecStart")!).slice(2)).toEqual(["start", "--db", db, "--password", "p%a$s s"]);
    const file = join(scratch(), "pyde1-store.service");
    writeFileSync(file, r.stdout);
    const checked = verify(file);
    expect(checked.code, checked.said).toBe(0);
  });

  it("refuses a relative --db, stray words, --db after --, and unknown options with exit 2, and prints no unit", () => {
    const cases: [string[], RegExp][] = [
      [["--db", "shots.sqlite3"], /--db must be an absolute path .*not 'shots\.sqlite3'/],
      [["start"], /unexpected 'start' \(options for 'start' go after --\)/],
      [["--", "--db", "/x.sqlite3"], /give the database with --db before --/],
      [["--bogus"], /Unknown option '--bogus'/],
      [["--user", "bad user"], /'bad user' is not a user name/],
    ];
    for (const [args, message] of cases) {
      const r = service(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    }
    const help = service("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: node scripts\/service\.mjs/);
    expect(existsSync(join(ROOT, "dist/cli.js"))).toBe(true);
  });
});

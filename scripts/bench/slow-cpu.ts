/**
 * A processor slower than this one, for the durability window on a Raspberry Pi's kind of CPU: a
 * control group that gives its processes one core and a share of that core's time (the kernel's
 * CFS bandwidth limit, in 10 ms periods, so a throttled process waits at most the rest of a
 * period). It needs root and the cpu and cpuset controllers, of cgroup v1 (as on the machine of
 * BENCHMARKS.md) or v2. One core at 20 % slows the main thread five times, and V8's compiler and
 * GC threads with it on that one core, which a Pi runs on its other three: harsher than a Pi there.
 * Node only.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

/** A control group that slows the commands started through {@link SlowCpu.prefix}. */
export interface SlowCpu {
  /** the core the group's processes run on */
  core: number;
  /** which cgroup version set it up */
  version: 1 | 2;
  /** Sets the group's share of its core (1–100 %) and returns the argv prefix that runs a command in it. */
  prefix(percent: number): string[];
  /** Removes the group (its processes have ended). */
  remove(): void;
}

const NAME = "pyde1-store-bench";
const PERIOD_US = 10_000;
const CGROUP = "/sys/fs/cgroup";

/** Sets up the control group, or says why this machine cannot. */
export function slowCpu(): SlowCpu | { unavailable: string } {
  if (process.getuid?.() !== 0) return { unavailable: "needs root (a cgroup of its own)" };
  const core = cpus().length - 1;
  try {
    if (existsSync(join(CGROUP, "cgroup.controllers"))) return version2(core);
    if (existsSync(join(CGROUP, "cpu/cpu.cfs_quota_us")) && existsSync(join(CGROUP, "cpuset/cpuset.cpus"))) return version1(core);
    return { unavailable: `no cgroup cpu and cpuset controllers under ${CGROUP}` };
  } catch (e) {
    return { unavailable: `the cgroup could not be set up (${(e as Error).message})` };
  }
}

/** The argv prefix that moves the shell into each `procs` file's group, then runs the command. */
function enter(procs: string[]): string[] {
  return ["/bin/sh", "-c", `for f in ${procs.map((p) => `'${p}'`).join(" ")}; do echo $$ > "$f" || exit 125; done; exec "$@"`, "sh"];
}

function version1(core: number): SlowCpu {
  const cpu = join(CGROUP, "cpu", NAME);
  const cpuset = join(CGROUP, "cpuset", NAME);
  mkdirSync(cpu, { recursive: true });
  mkdirSync(cpuset, { recursive: true });
  writeFileSync(join(cpuset, "cpuset.mems"), readFileSync(join(CGROUP, "cpuset/cpuset.mems"), "utf8").trim());
  writeFileSync(join(cpuset, "cpuset.cpus"), String(core));
  writeFileSync(join(cpu, "cpu.cfs_period_us"), String(PERIOD_US));
  return {
    core,
    version: 1,
    prefix(percent) {
      writeFileSync(join(cpu, "cpu.cfs_quota_us"), percent >= 100 ? "-1" : String(Math.round((PERIOD_US * percent) / 100)));
      return enter([join(cpu, "cgroup.procs"), join(cpuset, "cgroup.procs")]);
    },
    remove() {
      for (const dir of [cpu, cpuset]) rmdirSync(dir);
    },
  };
}

function version2(core: number): SlowCpu {
  writeFileSync(join(CGROUP, "cgroup.subtree_control"), "+cpu +cpuset");
  const dir = join(CGROUP, NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cpuset.cpus"), String(core));
  return {
    core,
    version: 2,
    prefix(percent) {
      writeFileSync(join(dir, "cpu.max"), `${percent >= 100 ? "max" : Math.round((PERIOD_US * percent) / 100)} ${PERIOD_US}`);
      return enter([join(dir, "cgroup.procs")]);
    },
    remove() {
      rmdirSync(dir);
    },
  };
}

/** Synthetic shots (the benchmarks' generator) recorded into a database file by the built CLI, as our recorder saves them. */
import { writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { syntheticCapture } from "../../scripts/bench/synthetic-capture";
import { cli } from "./cli";

/** Records `shots` synthetic espresso shots (generator seed `seed`, first at `start`, epoch s) into `db` with `pyde1-store record`. */
export function recordSyntheticShots(db: string, seed: number, shots: number, start: number): void {
  const capture = join(dirname(db), `${basename(db)}-${seed}.ndjson`);
  writeFileSync(capture, [...syntheticCapture({ shots, seed, start })].join("\n") + "\n");
  const r = cli(["record", "--db", db, "--from-capture", capture]);
  if (r.code !== 0) throw new Error(`pyde1-store record --db ${db} failed (${r.code}): ${r.stderr}`);
}

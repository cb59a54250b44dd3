/**
 * The design's layer rules, checked on the sources: browser-safe code never imports `node:*`, and
 * each layer imports only the layers below it (DESIGN.md, "Layers, and who may import whom").
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "./support/paths";

const SRC = join(ROOT, "src");

/** Every .ts file under a folder. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The import specifiers of a file. */
const importsOf = (file: string) => [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);

/** The top-level layer of a file under src/ ("catalog", "store", "store/persist", "recorder", ...). */
function layerOf(file: string): string {
  const rel = relative(SRC, file);
  if (rel.startsWith("store/persist/")) return "store/persist";
  return rel.includes("/") ? rel.split("/")[0] : rel.replace(/\.ts$/, "");
}

/** Which layers each layer may import (besides itself). */
const MAY_IMPORT: Record<string, string[]> = {
  catalog: [],
  "sql-text.d": [],
  store: ["catalog", "store/persist"],
  "store/persist": ["store", "catalog"],
  recorder: ["catalog", "store"],
  ingest: ["recorder", "store", "store/persist", "catalog"],
  profiles: ["store", "catalog"],
  export: ["store", "catalog"],
  server: ["store", "store/persist", "export", "catalog"],
  viewer: ["store", "export", "catalog"],
  cli: ["catalog", "store", "store/persist", "recorder", "ingest", "profiles", "export", "server"],
};

/** Node-only files in otherwise browser-safe layers. */
const NODE_ONLY = new Set([
  "store/persist/file.ts",
  "store/persist/fsync-path.ts",
  "store/persist/image-file.ts",
  "store/persist/journal.ts",
  "store/persist/journal-format.ts",
  "store/persist/lock-file.ts",
  "store/persist/sqljs-node.ts",
  "export/backup-file.ts",
]);
const BROWSER_SAFE = ["catalog", "store", "store/persist", "recorder", "profiles", "export", "viewer"];

describe("layers", () => {
  const all = files(SRC);

  it("browser-safe code never imports node:*", () => {
    const offenders = all
      .filter((f) => BROWSER_SAFE.includes(layerOf(f)) && !NODE_ONLY.has(relative(SRC, f)))
      .flatMap((f) => importsOf(f).filter((s) => s.startsWith("node:")).map((s) => `${relative(SRC, f)} imports ${s}`));
    expect(offenders).toEqual([]);
  });

  it("each layer imports only the layers below it", () => {
    const offenders: string[] = [];
    for (const f of all) {
      const from = layerOf(f);
      for (const spec of importsOf(f)) {
        if (!spec.startsWith(".")) continue;
        const target = join(f, "..", spec);
        const to = layerOf(target.endsWith(".sql") ? target : `${target}.ts`);
        if (relative(SRC, target).startsWith("..")) continue; // schema/*.sql
        if (to !== from && !(MAY_IMPORT[from] ?? []).includes(to)) offenders.push(`${relative(SRC, f)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

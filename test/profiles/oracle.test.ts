/**
 * pyDE1 2.0.0's own answers: the reference profiles' id and fingerprint (SOURCES.md), and the
 * profile rows and persist_hkv rows of the recorded fixtures.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readProfile, sqliteRealText } from "../../src/profiles";
import { FIXTURES, RECORDINGS } from "../support/paths";
import { PROFILES, REFERENCE_PROFILES } from "../support/reference-profiles";


describe("reference profiles (pyDE1 2.0.0 oracle)", () => {
  const table = REFERENCE_PROFILES;
  it("SOURCES.md gives pyDE1's id and fingerprint for every profile in the folder", () => {
    const files = readdirSync(PROFILES).filter((f) => f.endsWith(".json")).sort();
    expect(files.length).toBeGreaterThan(0);
    expect(table.map((r) => r.file).sort()).toEqual(files);
  });
  for (const row of table) {
    it(`${row.file}: id and fingerprint match pyDE1`, async () => {
      const read = await readProfile(new Uint8Array(readFileSync(join(PROFILES, row.file))));
      expect(read.id).toBe(row.id);
      expect(read.fingerprint).toBe(row.fingerprint);
    });
  }
});

type Cell = [string, unknown];
interface Tables {
  tables: Record<string, { rows: Record<string, Cell>[] }>;
}

describe("recordings: manifest profile sources give the stored rows", () => {
  for (const name of RECORDINGS) {
    const dir = join(FIXTURES, "recordings", name);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
      profiles: { source: string; when: number }[];
    };
    const tables = JSON.parse(readFileSync(join(dir, "expected.tables.json"), "utf8")) as Tables;
    const rows = tables.tables["profile"]!.rows.filter((r) => r["id"]![1] !== "dummy");
    const hkv = tables.tables["persist_hkv"]!.rows;

    it(`${name}: every manifest profile is a stored row with the same id, fingerprint and metadata`, async () => {
      expect(rows.length).toBe(manifest.profiles.length);
      for (const p of manifest.profiles) {
        const bytes = new TextEncoder().encode(p.source);
        const read = await readProfile(bytes);
        const row = rows.find((r) => r["id"]![1] === read.id);
        expect(row, `no profile row with id ${read.id}`).toBeDefined();
        expect(row!["fingerprint"]).toEqual(["text", read.fingerprint]);
        expect(row!["source"]).toEqual(["blob", Buffer.from(bytes).toString("hex")]);
        expect(row!["source_format"]).toEqual(["text", "JSONv2"]);
        expect(row!["date_added"]).toEqual(["real", p.when]);
        expect(row!["title"]![1]).toBe(read.title);
        expect(row!["author"]![1]).toBe(read.author);
        expect(row!["notes"]![1]).toBe(read.notes);
        expect(row!["beverage_type"]![1]).toBe(read.beverageType);
      }
    });

    if (manifest.profiles.length > 0) {
      it(`${name}: persist_hkv last_profile holds the last upload's id and time text`, async () => {
        const last = manifest.profiles[manifest.profiles.length - 1]!;
        const read = await readProfile(new TextEncoder().encode(last.source));
        const value = (key: string) =>
          hkv.find((r) => r["header"]![1] === "last_profile" && r["key"]![1] === key)?.["value"];
        expect(value("id")).toEqual(["text", read.id]);
        expect(value("datetime")).toEqual(["text", sqliteRealText(last.when)]);
      });
    }
  }
});

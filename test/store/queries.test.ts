import { describe, expect, it } from "vitest";
import { loadSqlJs } from "../../src/store/sqljs";
import { Store } from "../../src/store/store";

describe("typed queries", () => {
  it("persist_hkv: last_profile and scale.period/<address>, stored as pyDE1's text", async () => {
    const store = Store.create(await loadSqlJs());
    expect(store.hkv.lastProfileId()).toBe("dummy");
    store.hkv.setLastProfile("abc", 1700700003.056021);
    expect(store.hkv.get("last_profile", "datetime")).toBe("1700700003.05602");
    expect(store.hkv.scalePeriod("CF:75:75:A4:B5:C6")).toBeNull();
    store.hkv.setScalePeriod("CF:75:75:A4:B5:C6", 0.1015);
    expect(store.hkv.get("scale.period", "CF:75:75:A4:B5:C6")).toBe("0.1015");
    expect(store.hkv.scalePeriod("CF:75:75:A4:B5:C6")).toBe(0.1015);
    store.hkv.setScalePeriod("CF:75:75:A4:B5:C6", 0.2);
    expect(store.db.exec("SELECT count(*) FROM persist_hkv WHERE header = 'scale.period'")[0].values[0][0]).toBe(1);
    store.close();
  });

  it("profiles: bySequence finds the profile a sequence ran, null when that row is missing", async () => {
    const store = Store.create(await loadSqlJs());
    const source = new TextEncoder().encode('{"title": "T"}');
    store.profiles.insert({ id: "p1", source, source_format: "JSONv2", fingerprint: "f", date_added: 1, title: "T", author: null, notes: null, beverage_type: null });
    store.sequences.insert({ id: "s1", active_state: "Espresso", start_sequence: 1, profile_id: "p1", profile_assumed: false });
    store.sequences.insert({ id: "s2", active_state: "Espresso", start_sequence: 2, profile_id: "gone", profile_assumed: true });
    expect(store.profiles.bySequence("s1")?.title).toBe("T");
    expect(store.profiles.bySequence("s1")?.source).toEqual(source);
    expect(store.profiles.bySequence("s2")).toBeNull();
    expect(store.sequences.latest("Espresso")?.id).toBe("s2");
    expect(store.sequences.summary("s2")).toMatchObject({ profile_found: false, profile_assumed: true });
    store.close();
  });
});

import { describe, expect, it } from "vitest";
import { hasFileImage, loadNodeSqlJs } from "../../src/store/persist/sqljs-node";

// Its own file: the engine is loaded once per process, and this test must see the first load.
describe("loadNodeSqlJs", () => {
  it("holds the event loop while sql.js compiles, and lets it go once the engine is ready", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const loading = loadNodeSqlJs();
    expect(timers()).toBe(before + 1);
    const SQL = await loading;
    expect(timers()).toBe(before);
    expect(hasFileImage()).toBe(true);
    const db = new SQL.Database();
    expect(db.exec("SELECT 6 * 7")[0].values[0][0]).toBe(42);
    db.close();
    expect(loadNodeSqlJs()).toBe(loading); // loaded once
  });
});

import { loadNodeSqlJs } from "../src/store/persist/sqljs-node";
import initSqlJs from "sql.js";
const which = process.argv[2];
const SQL = which === "patched" ? await loadNodeSqlJs() : await initSqlJs();
const db = new SQL.Database();
db.exec("CREATE TABLE t(a INTEGER, b REAL, c TEXT, d REAL, e REAL, f REAL)");
const st = db.prepare("INSERT INTO t VALUES (?,?,?,?,?,?)");
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  db.exec("BEGIN");
  for (let i = 0; i < 100000; i++) { st.bind([i, i * 0.5, "abc" + i, 1.25, 2.5, i / 3]); st.step(); st.reset(); }
  db.exec("COMMIT");
  console.log(which, Math.round(performance.now() - t), "ms / 100k");
}

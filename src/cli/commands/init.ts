/** `pyde1-store init`: create a new, empty v3 database file. */
import { existsSync } from "node:fs";
import type { Command } from "../command";
import { required } from "../command";
import { openForWrite } from "../open-db";
import { FileExistsError } from "../../store/errors";

/** The `init` command. */
export const init: Command = {
  name: "init",
  summary: "create a new, empty pyDE1 database (schema v3)",
  help: `Usage: pyde1-store init --db FILE

Creates FILE as a new pyDE1 database (schema version 3: the 16 tables, indexes and seed rows
pyDE1 2.0.0 creates). Refuses if FILE already exists.

Options:
  --db FILE   the database to create
  -h, --help  show this help`,
  options: { db: { type: "string" } },
  async run(args) {
    const path = required(args, "db");
    if (existsSync(path)) throw new FileExistsError(path);
    const ps = await openForWrite(path);
    await ps.close();
    console.log(`created ${path} (schema v3)`);
    return 0;
  },
};

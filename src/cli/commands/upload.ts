/** `pyde1-store upload`: send one shot's legacy shot file to visualizer.coffee. */
import type { Command } from "../command";
import { optional, required, UsageError } from "../command";
import { closeRead, openForRead } from "../open-db";
import { resolveSequenceArg, sequenceError } from "../sequence-arg";
import { legacyShotFile } from "../../export/legacy-shot";
import { readSequence } from "../../export/shot-data";
import { uploadShot, uploadSkipReason, uploadUrl } from "../../export/visualizer-upload";
import { checkUrl, HTTP_SCHEMES } from "../url-setting";

/** The `upload` command. */
export const upload: Command = {
  name: "upload",
  summary: "upload a shot's legacy shot file to visualizer.coffee",
  help: `Usage: pyde1-store upload --db FILE --sequence ID|latest --url URL --user U [--password P] [--force]

Reads FILE (a live pyDE1 file's -wal is applied, nothing is written) and POSTs the sequence's
legacy shot file (as 'pyde1-store export --format legacy' writes it) to URL's /api/shots/upload as
the multipart/form-data field 'file', with HTTP basic auth — visualizer.coffee's shot upload API.
Like pyDE1, a shot with less than 10 s between start_flow and end_flow (a flush, an aborted shot)
is skipped, saying why; --force uploads it anyway. Prints the id the server gives the shot.

Options:
  --db FILE              the database to read
  --sequence ID|latest   the sequence id ('pyde1-store list' shows them), or 'latest'
                         for the newest Espresso sequence
  --url URL              the visualizer, e.g. https://visualizer.coffee (/api/shots/upload is added)
  --user U               your visualizer user (e-mail)
  --password P           your visualizer password (better: PYDE1_STORE_VISUALIZER_PASSWORD in the
                         environment, which other users cannot read in the process list)
  --force                upload even a shot with less than 10 s of flow
  -h, --help             show this help`,
  options: {
    db: { type: "string" },
    sequence: { type: "string" },
    url: { type: "string" },
    user: { type: "string" },
    password: { type: "string" },
    force: { type: "boolean" },
  },
  async run(args) {
    const path = required(args, "db");
    const sequence = required(args, "sequence");
    const url = required(args, "url");
    checkUrl(url, "--url", HTTP_SCHEMES, "https://visualizer.coffee");
    const user = required(args, "user");
    const password = optional(args, "password") ?? process.env.PYDE1_STORE_VISUALIZER_PASSWORD;
    if (!password) throw new UsageError("give --password P, or set PYDE1_STORE_VISUALIZER_PASSWORD (which keeps it out of the process list)");
    const ps = await openForRead(path);
    let id: string;
    let shotText: string;
    try {
      id = resolveSequenceArg(ps.store.db, path, sequence);
      const skip = uploadSkipReason(readSequence(ps.store.db, id));
      if (skip && args.values.force !== true) {
        console.log(`skipped ${id}: ${skip}. Use --force to upload it anyway.`);
        return 0;
      }
      try {
        shotText = legacyShotFile(ps.store.db, id);
      } catch (e) {
        throw sequenceError(e, path);
      }
    } finally {
      await closeRead(ps);
    }
    const result = await uploadShot({ url, user, password, shotText, fileName: `${id}.shot` });
    console.log(`uploaded ${id} to ${uploadUrl(url)}${result.id ? `: shot ${result.id}` : ` (HTTP ${result.status})`}`);
    return 0;
  },
};

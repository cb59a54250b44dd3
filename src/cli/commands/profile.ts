/** `pyde1-store profile …`: add, list, show, import and upload JSON v2 profiles. */
import { readFileSync } from "node:fs";
import type { Command, Parsed } from "../command";
import { required, UsageError } from "../command";
import { closeRead, openForRead, openForWrite } from "../open-db";
import { addProfile, ProfileValidationError, readProfile } from "../../profiles";
import { NotPyde1Error, StoreError } from "../../store/errors";
import type { PersistentStore } from "../../store/persistent-store";
import { checkUrl, HTTP_SCHEMES } from "../url-setting";

/** The single positional argument, or a UsageError naming what is missing. */
function onePositional(args: Parsed, what: string): string {
  if (args.positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return args.positionals[0];
}

/** Reads a profile file's bytes, with a one-line error naming the path. */
function readProfileFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new StoreError(path, `${path}: cannot read the profile file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
}

/** A profile's validation error with the profile file's path in front; other errors as they are. */
function namingFile(e: unknown, file: string): unknown {
  return e instanceof ProfileValidationError ? new Error(`${file}: ${e.message}`) : e;
}

/** The --date-added option (epoch seconds), default now. */
function dateAdded(args: Parsed): number {
  const v = args.values["date-added"];
  if (v === undefined) return Date.now() / 1000;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isFinite(n) || n < 0) throw new UsageError(`--date-added must be epoch seconds, not '${String(v)}'`);
  return n;
}

/** Adds profile bytes to an open database and saves; returns what addProfile reported. */
async function addAndSave(ps: PersistentStore, bytes: Uint8Array, when = Date.now() / 1000) {
  const result = await addProfile(ps.store.db, bytes, when);
  ps.store.markChanged();
  await ps.save();
  return result;
}

/** `profile add`. */
export const profileAdd: Command = {
  name: "profile add",
  summary: "add a JSON v2 profile to a database",
  help: `Usage: pyde1-store profile add --db FILE [--date-added SECONDS] PROFILE.json

Checks PROFILE.json (a de1app/pyDE1 JSON v2 profile), computes pyDE1's id (SHA-1 of the file's
bytes) and fingerprint (SHA-1 of the frames the DE1 receives), stores the bytes verbatim and sets
last_profile as pyDE1 does on upload. Adding the same file again stores nothing new.
Prints {"id": ..., "fingerprint": ...}. An invalid profile is refused with the step and field named.

Options:
  --db FILE                 the database (created if missing)
  --date-added SECONDS      when it was uploaded, epoch seconds (default now)
  -h, --help                show this help`,
  options: { db: { type: "string" }, "date-added": { type: "string" } },
  positionals: true,
  async run(args) {
    const path = required(args, "db");
    const file = onePositional(args, "PROFILE.json");
    const bytes = readProfileFile(file);
    const when = dateAdded(args);
    const ps = await openForWrite(path);
    try {
      const r = await addAndSave(ps, bytes, when).catch((e) => {
        throw namingFile(e, file);
      });
      console.log(JSON.stringify({ id: r.id, fingerprint: r.fingerprint }));
      if (!r.added) console.error(`profile ${r.id} was already stored; nothing added`);
    } finally {
      await ps.close();
    }
    return 0;
  },
};

/** `profile list`. */
export const profileList: Command = {
  name: "profile list",
  summary: "list the profiles in a database",
  help: `Usage: pyde1-store profile list --db FILE [--json]

Lists every stored profile, newest first: id, date added, title, author, beverage type.

Options:
  --db FILE   the database (read-only; a live file's -wal is applied)
  --json      print a JSON array of rows
  -h, --help  show this help`,
  options: { db: { type: "string" }, json: { type: "boolean" } },
  async run(args) {
    const ps = await openForRead(required(args, "db"));
    try {
      const rows = ps.store.profiles.list();
      if (args.values.json) {
        console.log(JSON.stringify(rows));
      } else {
        for (const r of rows) {
          const when = r.date_added ? new Date(r.date_added * 1000).toISOString().slice(0, 19).replace("T", " ") : "-";
          console.log(`${r.id}  ${when}  ${r.title ?? "(no title)"}${r.author ? ` — ${r.author}` : ""}${r.beverage_type ? ` [${r.beverage_type}]` : ""}`);
        }
      }
    } finally {
      await closeRead(ps);
    }
    return 0;
  },
};

/** `profile show`. */
export const profileShow: Command = {
  name: "profile show",
  summary: "print a stored profile's source, verbatim",
  help: `Usage: pyde1-store profile show --db FILE ID

Writes the profile's source bytes exactly as they were uploaded to standard output.

Options:
  --db FILE   the database (read-only; a live file's -wal is applied)
  -h, --help  show this help`,
  options: { db: { type: "string" } },
  positionals: true,
  async run(args) {
    const path = required(args, "db");
    const id = onePositional(args, "profile ID");
    const ps = await openForRead(path);
    try {
      const row = ps.store.profiles.get(id);
      if (!row) throw new StoreError(path, `${path}: no profile with id ${id}. 'pyde1-store profile list --db ${path}' shows the ids.`);
      process.stdout.write(row.source);
    } finally {
      await closeRead(ps);
    }
    return 0;
  },
};

/** `profile import`. */
export const profileImport: Command = {
  name: "profile import",
  summary: "copy every profile from another pyDE1 database",
  help: `Usage: pyde1-store profile import --db FILE --from OTHER.sqlite3

Copies every profile row from OTHER (e.g. pyDE1's own /var/lib/pyde1/pyde1.sqlite3) into FILE,
so the profile ids the recorder sees are known. OTHER is only read (its -wal applied); rows whose
id FILE already has are left as they are.

Options:
  --db FILE          the database to copy into (created if missing)
  --from OTHER       the pyDE1 database to copy from
  -h, --help         show this help`,
  options: { db: { type: "string" }, from: { type: "string" } },
  async run(args) {
    const path = required(args, "db");
    const from = required(args, "from");
    const source = await openForRead(from).catch((e) => {
      if (!(e instanceof NotPyde1Error)) throw e;
      throw new StoreError(from, `${from}: an SQLite database without pyDE1's tables. Give --from a pyDE1 database (pyDE1's own is /var/lib/pyde1/pyde1.sqlite3); nothing was changed.`);
    });
    let added = 0;
    let total = 0;
    try {
      const ps = await openForWrite(path);
      try {
        ps.store.transaction(() => {
          for (const summary of source.store.profiles.list()) {
            const row = source.store.profiles.get(summary.id);
            if (!row) continue;
            total++;
            if (ps.store.profiles.insert(row)) added++;
          }
        });
        await ps.save();
      } finally {
        await ps.close();
      }
    } finally {
      await closeRead(source);
    }
    console.log(`imported ${added} of ${total} profiles from ${from}`);
    return 0;
  },
};

/** `profile upload`. */
export const profileUpload: Command = {
  name: "profile upload",
  summary: "store a profile and load it into pyDE1 (PUT /de1/profile)",
  help: `Usage: pyde1-store profile upload --db FILE --pyde1-http URL PROFILE.json

Stores PROFILE.json (as 'profile add') and PUTs its bytes verbatim to pyDE1's HTTP API at
URL/de1/profile, so the DE1 runs it and the recorder knows its id. The profile is stored only
when pyDE1 accepted it.

Options:
  --db FILE          the database (created if missing)
  --pyde1-http URL   pyDE1's HTTP API, e.g. http://localhost:1234
  -h, --help         show this help`,
  options: { db: { type: "string" }, "pyde1-http": { type: "string" } },
  positionals: true,
  async run(args) {
    const path = required(args, "db");
    const base = required(args, "pyde1-http").replace(/\/+$/, "");
    checkUrl(base, "--pyde1-http", HTTP_SCHEMES, "http://localhost:1234");
    const file = onePositional(args, "PROFILE.json");
    const bytes = readProfileFile(file);
    const ps = await openForWrite(path);
    try {
      // Check it first, so pyDE1 is never sent a profile we would refuse.
      await readProfile(bytes).catch((e) => {
        throw namingFile(e, file);
      });
      const url = `${base}/de1/profile`;
      let res: Response;
      try {
        res = await fetch(url, { method: "PUT", body: Buffer.from(bytes), headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(30_000) });
      } catch (e) {
        throw new StoreError(path, `${url}: pyDE1 did not answer (${(e as Error).message}); nothing stored. Check --pyde1-http and that pyDE1 runs.`);
      }
      if (!res.ok) {
        const body = (await res.text()).slice(0, 200).replace(/\s+/g, " ");
        throw new StoreError(path, `${url}: pyDE1 refused the profile (HTTP ${res.status}: ${body}); nothing stored.`);
      }
      const r = await addAndSave(ps, bytes);
      console.log(JSON.stringify({ id: r.id, fingerprint: r.fingerprint }));
    } finally {
      await ps.close();
    }
    return 0;
  },
};

#!/usr/bin/env node
/**
 * `node scripts/service.mjs`: prints a systemd unit that runs this clone's main job
 * (`pyde1-store start`) at boot and again after a crash, so a Raspberry Pi keeps recording after a
 * power cut without anyone logged in. See the README, "Running it as a service".
 */
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HELP = `Usage: node scripts/service.mjs [--user USER] [--db FILE] [-- START-OPTIONS...]

Prints a systemd unit (pyde1-store.service) that runs 'pyde1-store start' from this folder with
this Node.js: at boot, after the network and mosquitto, restarted 5 s after a crash. systemd stops
it with SIGTERM, on which it saves the database and exits (TimeoutStopSec=120 leaves time to save
a large file to an SD card). Install it with:

  node scripts/service.mjs --db /home/pi/shots/pyde1.sqlite3 | sudo tee /etc/systemd/system/pyde1-store.service
  sudo systemctl daemon-reload && sudo systemctl enable --now pyde1-store
  journalctl -u pyde1-store -f          # its log

Options:
  --user USER   the user it runs as (default: you; under sudo, the user who ran sudo)
  --db FILE     the database (absolute path; default /var/lib/pyde1-store/pyde1.sqlite3, in a
                folder systemd makes for USER)
  -h, --help    show this help
  -- ...        options passed on to 'pyde1-store start' (paths in them absolute), e.g.
                -- --host 0.0.0.0 to open the viewer to your network, or --broker URL; the config file
                /usr/local/etc/pyde1/pyde1-store.conf is read as well (see 'pyde1-store start --help')`;

/** A usage mistake: said in one line, exit 2. */
function usage(message) {
  process.stderr.write(`service.mjs: ${message}. See 'node scripts/service.mjs --help'.\n`);
  process.exit(2);
}

/** One word of ExecStart, quoted so systemd reads it back unchanged (no specifiers, no variables). */
function execWord(word) {
  return `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;
}

let parsed;
try {
  parsed = parseArgs({
    options: { user: { type: "string" }, db: { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
} catch (e) {
  usage(e.message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const dashes = process.argv.indexOf("--");
if (positionals.length > 0 && dashes < 0) usage(`unexpected '${positionals[0]}' (options for 'start' go after --)`);
const startOptions = dashes < 0 ? [] : process.argv.slice(dashes + 1);
if (startOptions.includes("--db")) usage("give the database with --db before --, not after it");

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli.js");
if (!existsSync(cli)) usage(`${cli} is missing: run 'npm install' in ${root} first`);
const user = values.user ?? (process.env.SUDO_USER || userInfo().username);
if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(user)) usage(`'${user}' is not a user name`);
if (values.db !== undefined && !isAbsolute(values.db)) usage(`--db must be an absolute path (systemd starts the job in another folder), not '${values.db}'`);
const stateDirectory = values.db === undefined;
const db = values.db ?? "/var/lib/pyde1-store/pyde1.sqlite3";
if (user === "root") process.stderr.write("service.mjs: the unit runs as root; --user USER runs it as another user\n");

const exec = [process.execPath, cli, "start", "--db", db, ...startOptions].map(execWord).join(" ");
process.stdout.write(`# Written by 'node scripts/service.mjs' in ${root}.
# Install: sudo tee /etc/systemd/system/pyde1-store.service < THIS-FILE
#          sudo systemctl daemon-reload && sudo systemctl enable --now pyde1-store
[Unit]
Description=pyde1-store: record pyDE1's MQTT feed and serve the shot viewer
After=network-online.target mosquitto.service
Wants=network-online.target

[Service]
Type=simple
User=${user}
${stateDirectory ? "StateDirectory=pyde1-store\nWorkingDirectory=/var/lib/pyde1-store\n" : ""}ExecStart=${exec}
# SIGTERM saves the database and exits; a large file on an SD card takes a while to save
KillSignal=SIGTERM
TimeoutStopSec=120
Restart=on-failure
RestartSec=5
NoNewPrivileges=true

[Install]
WantedBy=multi-user.target
`);

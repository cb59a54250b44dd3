/**
 * Settings of the recording commands (`record`, `serve --record`, `start`) from four places, the
 * first that has a value winning: command-line flags, environment variables, the config file,
 * built-in defaults.
 *
 * The config file is JSON (no extra dependency, and a syntax error is reported with its position),
 * at `/usr/local/etc/pyde1/pyde1-store.conf` unless `--config FILE` or `PYDE1_STORE_CONFIG` names
 * another; a missing default file is fine, a missing named file is an error. Keys are the long
 * flag names: {"db": ..., "broker": ..., "topic-root": ..., "username": ..., "password": ...,
 * "ca": ..., "pyde1-http": ..., "host": ..., "port": ...}.
 */
import { existsSync, readFileSync } from "node:fs";
import { StoreError } from "../store/errors";
import type { Parsed } from "./command";

/** The default config file. */
export const DEFAULT_CONFIG = "/usr/local/etc/pyde1/pyde1-store.conf";

/** A setting: its flag, environment variable and default. */
interface SettingSpec {
  readonly flag: string;
  readonly env: string;
  readonly fallback?: string;
}

/** Every setting the recording commands read. */
export const SETTINGS = {
  db: { flag: "db", env: "PYDE1_STORE_DB", fallback: "./data/pyde1.sqlite3" },
  broker: { flag: "broker", env: "PYDE1_STORE_BROKER", fallback: "mqtt://localhost:1883" },
  topicRoot: { flag: "topic-root", env: "PYDE1_STORE_TOPIC_ROOT", fallback: "pyDE1" },
  username: { flag: "username", env: "PYDE1_STORE_USERNAME" },
  password: { flag: "password", env: "PYDE1_STORE_PASSWORD" },
  ca: { flag: "ca", env: "PYDE1_STORE_CA" },
  pyde1Http: { flag: "pyde1-http", env: "PYDE1_STORE_PYDE1_HTTP" },
  host: { flag: "host", env: "PYDE1_STORE_HOST", fallback: "127.0.0.1" },
  port: { flag: "port", env: "PYDE1_STORE_PORT", fallback: "8080" },
} as const satisfies Record<string, SettingSpec>;

/** The names of the settings. */
export type SettingName = keyof typeof SETTINGS;

/** parseArgs option definitions for the settings (and --config). */
export function settingOptions(names: SettingName[]): Record<string, { type: "string" }> {
  const o: Record<string, { type: "string" }> = { config: { type: "string" } };
  for (const n of names) o[SETTINGS[n].flag] = { type: "string" };
  return o;
}

/** The `--help` lines describing where settings come from. */
export const SETTINGS_HELP = `Settings come from, first found wins: the flags above; the environment (PYDE1_STORE_DB,
PYDE1_STORE_BROKER, PYDE1_STORE_TOPIC_ROOT, PYDE1_STORE_USERNAME, PYDE1_STORE_PASSWORD,
PYDE1_STORE_CA, PYDE1_STORE_PYDE1_HTTP, PYDE1_STORE_HOST, PYDE1_STORE_PORT); the JSON config
file (--config FILE, or PYDE1_STORE_CONFIG, default ${DEFAULT_CONFIG}) with the
long flag names as keys, e.g. {"broker": "mqtt://pi.local:1883", "pyde1-http": "http://pi.local:1234"};
then the defaults.`;

/** Reads the config file named by --config / PYDE1_STORE_CONFIG, or the default one if present. */
function readConfig(args: Parsed, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const named = (typeof args.values.config === "string" ? args.values.config : undefined) ?? env.PYDE1_STORE_CONFIG;
  const path = named ?? DEFAULT_CONFIG;
  if (!existsSync(path)) {
    if (named) throw new StoreError(path, `${path}: config file not found. Check --config / PYDE1_STORE_CONFIG.`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new StoreError(path, `${path}: not valid JSON (${(e as Error).message}). Fix the file or point --config elsewhere.`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new StoreError(path, `${path}: must hold a JSON object like {"broker": "mqtt://localhost:1883"}.`);
  }
  const known = new Set<string>(Object.values(SETTINGS).map((s) => s.flag));
  for (const k of Object.keys(parsed)) {
    if (!known.has(k)) throw new StoreError(path, `${path}: unknown setting "${k}"; known: ${[...known].join(", ")}.`);
  }
  return parsed as Record<string, unknown>;
}

/** Resolves the named settings: flags, then environment, then config file, then defaults. */
export function resolveSettings<N extends SettingName>(args: Parsed, names: N[], env: NodeJS.ProcessEnv = process.env): Record<N, string | undefined> {
  const config = readConfig(args, env);
  const out = {} as Record<N, string | undefined>;
  for (const n of names) {
    const spec: SettingSpec = SETTINGS[n];
    const flag = args.values[spec.flag];
    const fromConfig = config[spec.flag];
    out[n] =
      (typeof flag === "string" ? flag : undefined) ??
      (env[spec.env] || undefined) ??
      (fromConfig === undefined || fromConfig === null ? undefined : String(fromConfig)) ??
      spec.fallback;
  }
  return out;
}

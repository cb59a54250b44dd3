/**
 * What a CLI command is, and parsing its arguments with node:util's parseArgs.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Option definitions as parseArgs takes them. */
export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** A parsed command line: option values and positionals. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** One `pyde1-store` command. */
export interface Command {
  /** the word after `pyde1-store`, e.g. "record" or "profile add" */
  name: string;
  /** one line for the command list */
  summary: string;
  /** the full `--help` text (usage, options, examples) */
  help: string;
  /** options it accepts (besides --help) */
  options: OptionSpec;
  /** allows positional arguments */
  positionals?: boolean;
  /** does the work; resolves to the exit code */
  run(args: Parsed): Promise<number>;
}

/** A mistake in how the command was called: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses `argv` for `cmd`, turning parseArgs' errors into UsageError. */
export function parseCommand(cmd: Command, argv: string[]): Parsed | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...cmd.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[\w+\]: /, ""));
  }
  if (parsed.values.help) return "help";
  if (!cmd.positionals && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument '${parsed.positionals[0]}'`);
  }
  return parsed as Parsed;
}

/** The value of a required string option, or a UsageError naming it. */
export function required(args: Parsed, name: string): string {
  const v = args.values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

/** The value of an optional string option. */
export function optional(args: Parsed, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

/** A numeric option, checked. */
export function numberOption(args: Parsed, name: string, fallback: number): number {
  const v = optional(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not '${v}'`);
  return n;
}

/**
 * The `pyde1-store` command line: finds the command, parses its options, runs it, and turns errors
 * into one-line reasons with a non-zero exit code.
 */
import { parseCommand, UsageError, type Command } from "./command";
import { COMMANDS } from "./commands";

const USAGE = () => `Usage: pyde1-store <command> [options]

A pyDE1-compatible store for Decent Espresso shot data: records pyDE1's MQTT feed into the same
SQLite database pyDE1 writes, and exports, backs up, archives and shows your shots.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`).join("\n")}

Run 'pyde1-store <command> --help' for a command's options.`;

/** Finds the command named by the leading words of argv (longest match: "profile add" before "profile"). */
function findCommand(argv: string[]): { cmd: Command; rest: string[] } | null {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const cmd = COMMANDS.find((c) => c.name === name);
    if (cmd) return { cmd, rest: argv.slice(words) };
  }
  return null;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(USAGE());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === "--version") {
    console.log("pyde1-store 0.1.0");
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    console.error(`pyde1-store: unknown command '${argv[0]}'. Run 'pyde1-store --help' for the list.`);
    return 2;
  }
  const { cmd, rest } = found;
  try {
    const args = parseCommand(cmd, rest);
    if (args === "help") {
      console.log(cmd.help);
      return 0;
    }
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`pyde1-store ${cmd.name}: ${e.message}. See 'pyde1-store ${cmd.name} --help'.`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    const msg = err?.message ?? String(e);
    console.error(`pyde1-store ${cmd.name}: ${msg.split("\n")[0]}`);
    if (process.env.PYDE1_STORE_DEBUG) console.error(err?.stack);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`pyde1-store: ${(e as Error).message}`);
    process.exitCode = 1;
  },
);

/**
 * `dist/cli.js`, the command's entry: checks the Node.js version before anything else is loaded,
 * then starts the command line (`dist/cli-main.js`, bundled from `main.ts`). The command line needs
 * Node.js 20.15 (it imports `zlib.crc32`, and grows files on resizable ArrayBuffers); loaded by an
 * older Node.js it would die on an import with an error that says neither. Imports nothing itself,
 * so that it runs on any Node.js that runs ES modules.
 */
const NEEDED = [20, 15];
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < NEEDED[0] || (major === NEEDED[0] && minor < NEEDED[1])) {
  process.stderr.write(
    `pyde1-store: needs Node.js ${NEEDED.join(".")} or newer, and this is ${process.version} (${process.execPath}). ` +
      `Install Node.js 20 or 22 (see the README: Debian's and Raspberry Pi OS's own nodejs is 18), then run 'npm install' again.\n`,
  );
  process.exit(1);
}
const main = "./cli-main.js"; // a name, not a literal import: the bundle is loaded only after the check
await import(main);

export {}; // an ES module (for the top-level await), exporting nothing

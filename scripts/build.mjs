// Builds dist/: the CLI for Node (dist/cli.js, which loads dist/cli-main.js) and the browser viewer (dist/viewer/).
// Run by `npm install` (prepare) and `npm run build`. The viewer build uses platform "browser",
// so any `node:*` import reaching browser-safe code fails the build.
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// dist/cli.js checks the Node.js version and then loads dist/cli-main.js, the bundled command line
// (whose imports an older Node.js cannot even link)
await build({
  entryPoints: [join(root, "src/cli/launch.ts")],
  outfile: join(dist, "cli.js"),
  platform: "node",
  format: "esm",
  target: "node16",
  banner: { js: "#!/usr/bin/env node" },
  logLevel: "warning",
});
await build({
  entryPoints: [join(root, "src/cli/main.ts")],
  outfile: join(dist, "cli-main.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Packages stay in node_modules, but for hash-wasm: bundled, only its SHA-1 is taken (a few KB),
  // where importing the package loads all of its 280 KB build (~25 ms on every command's start).
  external: ["sql.js", "mqtt"],
  mainFields: ["module", "main"], // hash-wasm's ES build, which esbuild can tree-shake
  loader: { ".sql": "text" },
  sourcemap: true,
  logLevel: "warning",
});
chmodSync(join(dist, "cli.js"), 0o755);

/**
 * The viewer worker's sql.js with two additions (src/store/sqljs-patches.ts): `fileImage()` and
 * databases that take the bytes they are opened from as their file, so the worker holds a database
 * once, not twice. A build whose code the patterns do not find is bundled as it is, with a warning:
 * the worker then keeps a copy of its own, as before.
 */
async function patchedSqlJs() {
  const patches = await build({
    entryPoints: [join(root, "src/store/sqljs-patches.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    logLevel: "warning",
  });
  const { viewerEnginePatch } = await import(`data:text/javascript;base64,${Buffer.from(patches.outputFiles[0].text).toString("base64")}`);
  return {
    name: "pyde1-sqljs-patches",
    setup(b) {
      b.onLoad({ filter: /sql\.js[\\/]dist[\\/]sql-wasm-browser\.js$/ }, (args) => {
        const source = readFileSync(args.path, "utf8");
        const patched = viewerEnginePatch(source);
        if (patched === null) {
          return { contents: source, loader: "js", warnings: [{ text: "sql.js: the viewer's additions were not found in this build; the worker will hold each database twice" }] };
        }
        return { contents: patched, loader: "js" };
      });
    },
  };
}

const viewerEntry = join(root, "src/viewer/main.ts");
if (existsSync(viewerEntry)) {
  const out = join(dist, "viewer");
  mkdirSync(out, { recursive: true });
  const entries = [viewerEntry];
  const worker = join(root, "src/viewer/worker.ts");
  if (existsSync(worker)) entries.push(worker);
  await build({
    entryPoints: entries,
    outdir: out,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    sourcemap: true,
    minify: true,
    loader: { ".css": "css", ".sql": "text" },
    plugins: [await patchedSqlJs()],
    logLevel: "warning",
  });
  for (const f of ["index.html", "viewer.css"]) {
    const p = join(root, "src/viewer", f);
    if (existsSync(p)) cpSync(p, join(out, f));
  }
  const wasm = require.resolve("sql.js/dist/sql-wasm.wasm");
  cpSync(wasm, join(out, "sql-wasm.wasm"));
  const uplotCss = join(dirname(require.resolve("uplot")), "uPlot.min.css");
  if (existsSync(uplotCss)) cpSync(uplotCss, join(out, "uPlot.min.css"));
}

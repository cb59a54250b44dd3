import { defineConfig } from "vitest/config";
import { readFileSync } from "node:fs";

export default defineConfig({
  plugins: [
    {
      // schema/*.sql are imported as text, as esbuild's "text" loader does in the build.
      name: "sql-as-text",
      enforce: "pre",
      load(id: string) {
        if (id.endsWith(".sql")) return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
        return null;
      },
    },
  ],
  test: {
    // The long crash loops (test/crash: kill -9, power cuts) run on their own, so their timing is not shared with the rest:
    // `npm run test:crash` (PYDE1_STORE_CRASH=1); `npm test` runs it after everything else.
    include: process.env.PYDE1_STORE_CRASH === "1" ? ["test/crash/**/*.test.ts"] : ["test/**/*.test.ts"],
    exclude: process.env.PYDE1_STORE_CRASH === "1" ? ["**/node_modules/**"] : ["test/crash/**", "**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // every test file's scratch folders are removed when it ends (PYDE1_STORE_KEEP_SCRATCH=1 keeps them)
    setupFiles: ["test/support/scratch.setup.ts"],
  },
});

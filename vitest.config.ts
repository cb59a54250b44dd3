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
    include: ["test/**/*.test.ts"],
    // the long crash loop runs on its own (npm run test:crash; npm test runs it after the rest)
    exclude: ["test/crash/**", "**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});

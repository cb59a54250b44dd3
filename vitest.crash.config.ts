// The long crash loop (test/crash), run on its own after the other tests so its timing is fair.
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config";

export default mergeConfig(base, defineConfig({ test: { include: ["test/crash/**/*.test.ts"], exclude: [] } }));

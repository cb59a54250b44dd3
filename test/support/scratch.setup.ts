/** Vitest setup file: every test file's scratch folders are removed when the file ends. */
import { afterAll } from "vitest";
import { removeScratch } from "./scratch";

afterAll(removeScratch);

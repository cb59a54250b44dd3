/** Every `pyde1-store` command, in the order `--help` lists them. */
import type { Command } from "../command";
import { init } from "./init";
import { migrate } from "./migrate";
import { info } from "./info";
import { list } from "./list";
import { record } from "./record";
import { serve, start } from "./serve";
import { exportShot } from "./export";
import { backup } from "./backup";
import { restore } from "./restore";
import { archive } from "./archive";
import { importSequences } from "./import";
import { replay } from "./replay";
import { upload } from "./upload";
import { profileAdd, profileImport, profileList, profileShow, profileUpload } from "./profile";

/** The commands. */
export const COMMANDS: Command[] = [start, init, migrate, info, list, record, profileAdd, profileList, profileShow, profileImport, profileUpload, exportShot, backup, restore, archive, importSequences, replay, upload, serve];

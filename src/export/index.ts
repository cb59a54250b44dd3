/** The shot exporters (browser-safe): pyDE1 legacy shot file, de1app JSON v2 shot, CSV, and the data access they share. */
export { legacyShotFile, formatLegacyShot, resistance, MIN_FLOW_FOR_RESISTANCE } from "./legacy-shot";
export { jsonShotFile, buildJsonShot, type JsonShotOptions } from "./json-shot";
export { shotCsv, formatShotCsv, CSV_COLUMNS } from "./csv";
export {
  readShotData,
  readSequence,
  flowWindow,
  readShotSamples,
  readProfile,
  latestEspressoId,
  resolveSequenceId,
  type ExportOptions,
  type ShotData,
  type SequenceRow,
  type FlowWindow,
  type ShotSample,
  type ScaleReading,
  type ProfileSummary,
} from "./shot-data";
export { readingsBefore } from "./scale-alignment";
export { SequenceNotFoundError, IncompleteSequenceError, NoEspressoSequenceError } from "./errors";
export { formatFixed, floatRepr, roundHalfEven, formatInt } from "./python-format";
export { pythonJson, pythonJsonString, type PyJsonValue } from "./python-json";
export { rfc2822Local, tclClockDate } from "./local-time";
export { backupFileName, BACKUP_FILE_NAME, snapshotBytes, checkBackup, BackupVerifyError, type BackupCheck } from "./backup";
export {
  planArchive,
  planImport,
  copyToArchive,
  verifyArchive,
  deleteArchived,
  ArchiveError,
  type ArchivePlan,
  type ImportPlan,
  type SequenceCopyPlan,
  type ArchivedSequence,
} from "./archive";
export { replayMessages, isShiftedTime, type Replay, type ReplayMessage, type ReplayOptions } from "./replay";
export { uploadShot, uploadSkipReason, uploadUrl, basicAuth, UploadError, MIN_FLOW_SECONDS, UPLOAD_PATH, type UploadResult } from "./visualizer-upload";
export { shotSeries, type ShotSeries } from "./shot-series";
export { SHOT_FORMATS, isShotFormat, shotFileName, type ShotFormat, type ShotFormatSpec } from "./shot-formats";

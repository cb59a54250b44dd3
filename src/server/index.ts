/** The local server: viewer files, `/db` snapshot, JSON API, change events. */
export { startServer, urlHost, type ServerOptions, type RunningServer } from "./server";
export { isLoopbackPeer } from "./reply";
export { FileSource, StoreSource, type DatabaseSource } from "./database-source";
export { listSequences, answerApi, type SequenceSummary, type ApiReply } from "./api";
export { resolveStatic, contentTypeOf, defaultViewerDir } from "./static-files";
export { publicBrokerUrl, type RecorderStatus, type StatusReply } from "./recorder-status";

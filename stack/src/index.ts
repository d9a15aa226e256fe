// The stack's reusable pieces, for tests and scripts (the CLI is src/cli.ts).
export {
  addressOf,
  kafkaTlsBrokers,
  loadConfig,
  logFileOf,
  JVM_COMPONENTS,
  MACHINE_SERVICES,
} from './config';
export type { Component, JvmComponent, MachineService, StackConfig } from './config';
export { buildService, compiledEntry } from './build';
export { StackError } from './errors';
export type { StackErrorCode } from './errors';
export { DLT_SUFFIX, readTopicTable, topicsFromTable } from './topics';
export type { TopicSpec } from './topics';
export {
  CONSOLE,
  SERVICES,
  isAnswering,
  isReady,
  killService,
  logTail,
  parseServiceName,
  portOf,
  runningRecord,
  serviceLogFile,
  startService,
  stopService,
  waitReady,
} from './services';
export type { ProcessName, ServiceName, ServiceRunOptions } from './services';
export { tlsDirOf, tlsFiles } from './tls';

// Public API of @orderflow/codegen.
// The compatibility engine behind `npm run schema -- check|compat` (codegen/src/compat).
export * from './compat';
// The contracts generator behind `npm run codegen` (codegen/src/generator).
export { CodegenError, formatProblem } from './generator/errors';
export type { CodegenErrorCode, CodegenProblem } from './generator/errors';
export { loadTopicTable, validateTopicTable, TOPIC_TABLE_FILE } from './generator/topic-table';
export type { TopicRow, TopicTable } from './generator/topic-table';
export { parseAvroFile } from './generator/avro-model';
export type {
  AvroFile,
  AvroNode,
  NamedDef,
  RecordDef,
  EnumDef,
  FixedDef,
  FieldDef,
} from './generator/avro-model';
export {
  generate,
  diffAgainstDisk,
  writeFiles,
  generatorVersion,
  GEN_DIR,
  CONTRACTS_SRC,
} from './generator/generate';
export type { GeneratedFile } from './generator/emit-avro';
export { readResolvedSchema, resolveSchema, sharedTypesFrom, SHARED_DIR } from './generator/shared-types';
export type { ResolvedSchema, SharedType, SharedTypes } from './generator/shared-types';
export { sharedFilesAt } from './schema/git-history';

export type { AvroSchema, AvroSchemaErrorCode, NamedSchema, PrimitiveName, RecordField } from './avro-schema';
export { AvroSchemaError, parseAvroJson, parseAvroSchema, typeLabel } from './avro-schema';
export type { CompatIssue, CompatRule, CompatWarning, CompatWarningRule, Direction } from './resolution';
export { canReaderRead, compareSchemas, namesMatch } from './resolution';
export type { CompatibilityLevel, LevelIssue, LevelWarning, PreviousSchema } from './levels';
export { COMPATIBILITY_LEVELS, checkLevel, isCompatibilityLevel } from './levels';
export type { LevelFinding, SemanticFinding, SemanticRule, SemanticRuleInfo, Severity } from './semantic';
export {
  checkSemantics,
  reusedSymbols,
  SEMANTIC_RULES,
  semanticFindings,
  unitOfName,
  unitsOfDoc,
} from './semantic';

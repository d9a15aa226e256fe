export {
  CODEC_ERROR_CLASSIFICATION,
  CodecError,
  REGISTRY_ERROR_CLASSIFICATION,
  RegistryError,
  isRetriable,
} from './errors';
export type { CodecErrorCode, ErrorClassification, RegistryErrorCode, RegistryErrorDetails } from './errors';
export { FRAME_HEADER_SIZE, MAGIC_BYTE, frame, parseFrame } from './framing';
export type { Frame } from './framing';
export { canonicalSchema, logicalTypes, parseAvroSchema } from './avro';
export { inlineReferences, referencedNames } from './references';
export type {
  InlinedSchema,
  ReferenceRegistration,
  SchemaReference,
  SchemaRegistration,
  UnresolvedName,
} from './references';
export {
  SchemaRegistryClient,
  basicAuthorization,
  classify,
  registryAuthFromEnv,
  registryAuthOption,
  verifyRegistry,
} from './registry-client';
export type { RegistryAuth } from './registry-client';
export type {
  CompatibilityLevel,
  RegisteredSchema,
  RegistryRequestEvent,
  SchemaRegistryClientOptions,
  SubjectVersion,
} from './registry-client';
export { DEFAULT_MAX_MESSAGE_BYTES, TopicCodec, invalidPaths } from './topic-codec';
export type { TopicCodecOptions } from './topic-codec';
export { formatIssues } from './descriptor';
export type { CodecFactoryOptions, EventOf, InputOf, TopicDescriptor, ValidationIssue } from './descriptor';
export {
  describeValue,
  fieldPath,
  isAvroInt,
  isAvroLong,
  isIsoDate,
  isPlainObject,
  isUuid,
  isValidDate,
  itemPath,
  keyPath,
  pushIssue,
  pushUnknownFields,
} from './validation';

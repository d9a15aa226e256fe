export { CodecError, RegistryError, isRetriable } from './errors';
export type { CodecErrorCode, RegistryErrorCode, RegistryErrorDetails } from './errors';
export { FRAME_HEADER_SIZE, MAGIC_BYTE, frame, parseFrame } from './framing';
export type { Frame } from './framing';
export { canonicalSchema, logicalTypes, parseAvroSchema } from './avro';
export { SchemaRegistryClient, classify } from './registry-client';
export type {
  CompatibilityLevel,
  RegistryRequestEvent,
  SchemaRegistryClientOptions,
  SubjectVersion,
} from './registry-client';
export { TopicCodec, invalidPaths } from './topic-codec';
export type { TopicCodecOptions } from './topic-codec';
export { startFakeRegistry } from './fake-registry';
export type { FakeRegistry, FakeRegistryRequest } from './fake-registry';
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

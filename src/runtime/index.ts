/**
 * `chinook-ipc/runtime`: what generated code and service authors import.
 * Never imports toolchain code (yaml, ajv's compiler, ts-morph, json-schema-to-typescript).
 */
export * from './contract.js';
export { createService, createStderrLog } from './service.js';
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  decodeEnvelope,
  decodeStatus,
  defaultPrefix,
  encodeEnvelope,
  encodeStatus,
  stateTopic,
  statusTopic,
} from './envelope.js';
export type {
  DecodeResult,
  EnvelopeFields,
  EnvelopeTarget,
  Rejection,
  ServiceStatus,
  StateEnvelope,
  StatusDecodeResult,
  StatusFields,
  StatusMessage,
} from './envelope.js';
export { PublishRefusedError, ServiceStartError, StateInvalidError } from './errors.js';
export type { Bus, BusEvent, BusMessage, BusOptions, BusWill, PublishOptions } from '../bus/bus.js';
export { BusError, matchesTopic } from '../bus/bus.js';
export { createMemoryBroker, createMemoryBus } from '../bus/memory.js';
export type { MemoryBroker } from '../bus/memory.js';
export { createBus } from '../bus/create-bus.js';
export type { CreateBusOptions } from '../bus/create-bus.js';
export { startEmbeddedBroker } from '../bus/embedded-broker.js';
export type { EmbeddedBroker, EmbeddedBrokerOptions } from '../bus/embedded-broker.js';
export { ajvRuntime, toValidationIssues } from './ajv-runtime.js';
export type { CompiledValidator, CompiledValidatorError } from './ajv-runtime.js';
export { startServiceForTest, startSystemForTest } from './testing.js';
export type { ServiceEntry, ServiceUnderTest, SystemUnderTest, TestInstances, TestLogEntry, TestOptions, TestSeed, TestSystemState, WaitForOptions } from './testing.js';

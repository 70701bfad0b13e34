/**
 * `chinook/runtime`: what generated code and service authors import.
 * Never imports toolchain code (yaml, ajv's compiler, ts-morph, json-schema-to-typescript).
 */
export * from './contract.js';
export { createService } from './service.js';
export type { Bus, BusEvent, BusMessage, BusOptions, BusWill, PublishOptions } from '../bus/bus.js';
export { BusError, matchesTopic } from '../bus/bus.js';

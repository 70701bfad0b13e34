import type { RunOptions, ServiceHandler, ServiceInstance, ServiceTypes, SystemSpec } from './contract.js';

/** Binds a handler to the bus. (Placeholder until the runtime lands.) */
export function createService<T extends ServiceTypes>(
  system: SystemSpec,
  service: string,
  handler: ServiceHandler<T>,
  options: RunOptions,
): ServiceInstance<T> {
  void system;
  void service;
  void handler;
  void options;
  throw new Error('runtime not implemented yet');
}

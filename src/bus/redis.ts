/** Placeholder until the Redis adapter lands (next commit). */
import { BusError, type Bus, type BusOptions } from './bus.js';

export interface RedisBusOptions extends BusOptions {}

export function createRedisBus(url: string, _options: RedisBusOptions): Bus {
  throw new BusError(`the Redis adapter is not available yet (${url})`, 'bus-url-invalid');
}

import { BusError, type Bus } from '../bus/bus.js';
import { CliError, UsageError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/**
 * Creates a bus and connects it, as a command does: a URL the adapters refuse is a usage
 * error (exit 2); a broker that is unreachable or refuses is the user's to fix (exit 1), not
 * a crash. `mask` takes a password out of a message that may quote the URL.
 */
export async function connectBus(create: () => Bus, usage: string, mask: (message: string) => string = (message) => message): Promise<Bus> {
  let bus: Bus;
  try {
    bus = create();
  } catch (error) {
    if (error instanceof BusError) throw new UsageError(mask(error.message), usage);
    throw error;
  }
  try {
    await bus.connect();
  } catch (error) {
    await bus.close().catch(() => undefined);
    if (error instanceof BusError) throw new CliError(mask(error.message), ExitCode.failure);
    throw error;
  }
  return bus;
}

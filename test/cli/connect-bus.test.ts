import { describe, expect, it } from 'vitest';
import { BusError, type Bus } from '../../src/bus/bus.js';
import { CliError, UsageError } from '../../src/cli/cli-error.js';
import { connectBus } from '../../src/cli/connect-bus.js';
import { ExitCode } from '../../src/cli/exit-codes.js';

function fakeBus(connect: () => Promise<void>): Bus & { closed: number } {
  const bus = { closed: 0, connect, close: async () => void bus.closed++ };
  return bus as unknown as Bus & { closed: number };
}

describe('connectBus', () => {
  it('returns the connected bus', async () => {
    const bus = fakeBus(async () => undefined);
    expect(await connectBus(() => bus, 'usage: t')).toBe(bus);
    expect(bus.closed).toBe(0);
  });

  it('a URL the adapters refuse is a usage error, its message masked', async () => {
    const error = await connectBus(() => {
      throw new BusError('bad url mqtt://u:secret@x', 'bus-url-invalid');
    }, 'usage: t', (m) => m.replace('secret', '***')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('bad url mqtt://u:***@x');
  });

  it('an unreachable broker exits 1, and the bus is closed', async () => {
    const bus = fakeBus(async () => {
      throw new BusError('cannot reach the broker', 'bus-unreachable');
    });
    const error = await connectBus(() => bus, 'usage: t').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect(error).not.toBeInstanceOf(UsageError);
    expect((error as CliError).exitCode).toBe(ExitCode.failure);
    expect(bus.closed).toBe(1);
  });

  it('anything else is thrown as it is', async () => {
    const boom = new Error('boom');
    await expect(connectBus(() => fakeBus(async () => Promise.reject(boom)), 'usage: t')).rejects.toBe(boom);
  });
});

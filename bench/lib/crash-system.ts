/** The two-service system of the crash scenario, built the same way by the parent and the child. */
import type { SystemSpec } from '../../src/runtime/contract.js';
import { buildSystemSpec } from './system.js';

export interface CrashChildArgs {
  readonly mode: 'raw' | 'chinook';
  readonly url: string;
  readonly system: string;
  readonly keepaliveSeconds: number;
}

export function buildCrashSystem(system: string): SystemSpec {
  return buildSystemSpec(
    system,
    [
      { name: 'victim', owns: ['victim-state'] },
      { name: 'peer', owns: ['peer-state'], optional: ['victim-state'] },
    ],
    () => ({ type: 'object' }),
  );
}

export function crashTopics(system: string): { victimStatus: string } {
  return { victimStatus: `chinook/${system}/status/victim` };
}

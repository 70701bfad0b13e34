import { describe, expect, it } from 'vitest';
import { createReadGate, createTickBatcher } from '../../src/bus/retained-reads.js';

describe('createTickBatcher', () => {
  it('runs the items added in one tick together, and each add resolves when its batch ran', async () => {
    const batches: string[][] = [];
    const add = createTickBatcher<string>(async (items) => void batches.push([...items]));
    const first = [add('a'), add('b')];
    await Promise.all(first);
    await add('c');
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  it('rejects every add of a failed batch, and the next batch runs anew', async () => {
    let fail = true;
    const add = createTickBatcher<number>(async () => {
      if (fail) throw new Error('no');
    });
    const results = await Promise.allSettled([add(1), add(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(add(3)).resolves.toBeUndefined();
  });
});

describe('createReadGate', () => {
  it('runs background work only once no read is in progress', async () => {
    const gate = createReadGate();
    const order: string[] = [];
    let finish!: () => void;
    const read = gate.track(() => new Promise<void>((r) => (finish = r)).then(() => void order.push('read')));
    gate.afterReads(() => order.push('sweep'));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    finish();
    await read;
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['read', 'sweep']);
  });

  it('runs the work on the next turn when nothing is read, and counts a failed read as ended', async () => {
    const gate = createReadGate();
    await expect(gate.track(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    let ran = false;
    gate.afterReads(() => (ran = true));
    expect(ran).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(ran).toBe(true);
  });
});

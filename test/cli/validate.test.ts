import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../manifest/run-cli.js';


describe('chinook validate (the built CLI, as a child process)', () => {
  it('passes the reference system with exit 0, using chinook.config.yaml for the folder', () => {
    const run = runCli(['validate'], ROOT);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('6 manifests valid: 6 domains, 5 services, no dependency loop\n');
    expect(run.status).toBe(0);
  });

  it('reports a typo and a loop at once, like a compiler, and exits 1', () => {
    const run = runCli(['validate', 'typo-and-loop']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatchInlineSnapshot(`
      "typo-and-loop/climate.domain.yaml:5:5: error[unknown-dependency]: \`climate\` depends on \`powr\`, which no manifest declares
        |
      5 |   - powr
        |     ^^^^
        = hint: did you mean \`power\`?

      typo-and-loop/climate.domain.yaml:6:5: error[dependency-cycle]: dependency loop: climate-service waits for presence (owned by presence-service) → presence-service waits for climate (owned by climate-service)
        |
      6 |   - presence
        |     ^^^^^^^^
        = hint: \`climate\` requires \`presence\`, \`presence\` requires \`climate\`: make one of these dependencies \`optional: true\`, or move a domain to another service

      2 errors, 0 warnings in 1 file
      "
    `);
  });

  it('gives CI the same facts as JSON, in the shape of MANIFEST.md', () => {
    const run = runCli(['validate', 'dependency-cycle', '--format', 'json']);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      errors: [
        {
          code: 'dependency-cycle',
          message: 'dependency loop: svc-1 waits for b (owned by svc-2) → svc-2 waits for c (owned by svc-1)',
          file: 'dependency-cycle/a.domain.yaml',
          line: 6,
          column: 5,
          endColumn: 6,
          hint: expect.stringContaining('optional: true') as unknown as string,
          services: ['svc-1', 'svc-2', 'svc-1'],
          domains: ['b', 'c'],
        },
      ],
      warnings: [],
    });
    const clean = runCli(['validate', 'optional-loop', '--format', 'json']);
    expect(clean.status).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual({ ok: true, errors: [], warnings: [] });
  });

  it('emits GitHub workflow annotations', () => {
    const run = runCli(['validate', 'unknown-dependency', '--format', 'github']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(
      '::error file=unknown-dependency/climate.domain.yaml,line=5,col=5::unknown-dependency: `climate` depends on `powr`, which no manifest declares%0Adid you mean `power`?\n',
    );
  });

  it('reports an empty folder as no-manifests (exit 1), a missing one as a usage error (exit 2)', () => {
    const empty = runCli(['validate', 'no-manifests', '--format', 'json']);
    expect(empty.status).toBe(1);
    expect(JSON.parse(empty.stdout).errors).toEqual([expect.objectContaining({ code: 'no-manifests', file: 'no-manifests' })]);
    const missing = runCli(['validate', 'does-not-exist']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('manifest folder `does-not-exist` does not exist');
  });

  it('treats unknown flags and bad formats as usage errors with the usage line; --help exits 0', () => {
    for (const args of [['validate', '--frmat', 'json'], ['validate', '--format', 'xml'], ['validate', 'a', 'b']]) {
      const run = runCli(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('usage: chinook validate [DIR] [--format text|json|github]');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const help = runCli(['validate', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: chinook validate');
  });

  it('never shows a stack trace for bad input', () => {
    const run = runCli(['validate', 'yaml-syntax']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('yaml-syntax/broken.domain.yaml:5:9: error[yaml-syntax]');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

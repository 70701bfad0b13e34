import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../manifest/run-cli.js';


describe('chinook graph (the built CLI, as a child process)', () => {
  it('draws the reference system in Mermaid: optional edges dashed, two-domain service merged', () => {
    const run = runCli(['graph'], ROOT);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatchInlineSnapshot(`
      "flowchart LR
        climate_service["<b>climate-service</b><br/>climate"]
        energy_service["<b>energy-service</b><br/>power, tariff"]
        lighting_service["<b>lighting-service</b><br/>lighting"]
        presence_service["<b>presence-service</b><br/>presence"]
        security_service["<b>security-service</b><br/>security"]
        climate_service -->|"power, tariff"| energy_service
        climate_service -.->|"presence"| presence_service
        lighting_service -.->|"power"| energy_service
        lighting_service -->|"presence"| presence_service
        security_service -->|"presence"| presence_service
      "
    `);
  });

  it('still draws a system whose only fault is a loop, in red, and exits 1 with the diagnostic', () => {
    const run = runCli(['graph', 'dependency-cycle', '--format', 'dot']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatchInlineSnapshot(`
      "digraph "default" {
        rankdir=LR;
        node [shape=box, style=rounded, fontname="Helvetica"];
        edge [fontname="Helvetica", fontsize=10];
        "svc-1" [label="svc-1\\na, c", color=red, fontcolor=red, penwidth=2];
        "svc-2" [label="svc-2\\nb", color=red, fontcolor=red, penwidth=2];
        "svc-1" -> "svc-2" [label="b", color=red, fontcolor=red, penwidth=2];
        "svc-2" -> "svc-1" [label="c", color=red, fontcolor=red, penwidth=2];
      }
      "
    `);
    expect(run.stderr).toContain('error[dependency-cycle]');
  });

  it('gives JSON with loops, and prints only diagnostics for other errors', () => {
    const json = runCli(['graph', 'dependency-cycle', '--format', 'json']);
    const graph = JSON.parse(json.stdout);
    expect(graph.loops).toEqual([{ services: ['svc-1', 'svc-2', 'svc-1'], domains: ['b', 'c'], component: ['svc-1', 'svc-2'] }]);
    expect(graph.edges.every((e: { inLoop: boolean }) => e.inLoop)).toBe(true);
    const invalid = runCli(['graph', 'schema-invalid']);
    expect(invalid.status).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toContain('error[schema-invalid]');
  });

  it('rejects a bad --format with exit 2; --help exits 0', () => {
    const bad = runCli(['graph', '--format', 'png']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage: chinook graph [DIR] [--format mermaid|dot|json]');
    expect(runCli(['graph', '--help']).status).toBe(0);
  });
});

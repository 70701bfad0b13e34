/**
 * `npm run bench [-- --quick] [--out <dir>] [--only a,b] [--rounds n] [--brokers mosquitto,aedes,redis,nats,nats-cluster]`
 *
 * Runs every scenario of issue 6, raw baseline and Chinook side by side in the same run,
 * prints a table, writes <out>/results.json and <out>/results.md, and (full runs writing to
 * bench/) pastes the table into docs/performance.md. <out> defaults to bench/ for a full run
 * (every scenario, default rounds) and to a fresh temp folder otherwise (--quick, --only,
 * --rounds), so a quick run never touches the repository.
 *
 * Exit code: 0 when every scenario ran (slow is never a failure); 1 when a scenario could
 * not run, or when a broker binary is missing under CI=true.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderBusesTable } from './lib/buses-table.js';
import { brokerKinds, isBrokerInstalled, readAedesVersion, startBroker, type BrokerKind, type RunningBroker } from './lib/brokers.js';
import type { BenchContext } from './lib/context.js';
import { isCi } from './lib/ci.js';
import { cleanUpEverything } from './lib/processes.js';
import { renderMarkdown, renderTable, type BenchResults, type BenchRow, type MachineFacts, type SkippedScenario } from './lib/report.js';
import { benchUpdates } from './update.js';
import { benchLateJoin } from './late-join.js';
import { benchFanOut } from './fan-out.js';
import { benchCrash } from './crash.js';
import { benchMemory } from './memory.js';
import { benchStartup } from './startup.js';
import { benchScale } from './scale.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.dirname(benchDir);

export const scenarioNames = ['startup', 'update', 'late-join', 'fan-out', 'scale', 'crash', 'memory', 'toolchain', 'codegen'] as const;
type ScenarioName = (typeof scenarioNames)[number];

interface Args {
  quick: boolean;
  /** Default: bench/ for a full run; a fresh temp folder for a quick one (it never touches the repository). */
  out: string | undefined;
  only: Set<ScenarioName>;
  rounds: number | undefined;
  brokers: BrokerKind[];
  docs: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    quick: false,
    out: undefined,
    only: new Set(scenarioNames),
    rounds: undefined,
    // --quick (npm test) leaves the three-node cluster out: starting it and electing a leader costs more than its rows.
    brokers: [...brokerKinds],
    docs: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') {
      args.quick = true;
      if (!argv.includes('--brokers')) args.brokers = brokerKinds.filter((k) => k !== 'nats-cluster');
    }
    else if (arg === '--out') args.out = path.resolve(value());
    else if (arg === '--no-docs') args.docs = false;
    else if (arg === '--rounds') args.rounds = Math.max(1, Number.parseInt(value(), 10) || 1);
    else if (arg === '--only') {
      const names = value().split(',');
      const unknown = names.filter((n) => !(scenarioNames as readonly string[]).includes(n));
      if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${scenarioNames.join(', ')}`);
      args.only = new Set(names as ScenarioName[]);
    } else if (arg === '--brokers') {
      const names = value().split(',');
      const unknown = names.filter((n) => !(brokerKinds as readonly string[]).includes(n));
      if (unknown.length > 0) throw new Error(`unknown broker ${unknown.join(', ')}; known: ${brokerKinds.join(', ')}`);
      args.brokers = names as BrokerKind[];
    } else throw new Error(`unknown option ${arg}`);
  }
  return args;
}

function readCpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

function readNproc(): number {
  const out = spawnSync('nproc', { encoding: 'utf8' });
  const n = Number.parseInt(out.stdout, 10);
  return Number.isFinite(n) ? n : os.availableParallelism();
}

/** Rows from bench/toolchain.ts or bench/codegen.ts (owned by other engineers), if they exist. */
async function runExternalBench(file: string, exportName: string, quick: boolean): Promise<BenchRow[] | undefined> {
  const full = path.join(benchDir, file);
  if (!existsSync(full)) return undefined;
  const mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new Error(`${file} does not export ${exportName}()`);
  const rows = (await (fn as (o: { quick: boolean }) => Promise<unknown>)({ quick })) as unknown;
  if (!Array.isArray(rows)) throw new Error(`${exportName}() did not return an array of rows`);
  return rows as BenchRow[];
}

/** Replaces the `<!-- bench:<block>:start -->` … `end` section of a doc, leaving the prose alone. */
function pasteIntoDocs(file: string, block: string, markdown: string): void {
  const docs = path.join(repoDir, 'docs', file);
  if (!existsSync(docs)) return;
  const text = readFileSync(docs, 'utf8');
  const startMarker = `<!-- bench:${block}:start -->`;
  const start = text.indexOf(startMarker);
  const end = text.indexOf(`<!-- bench:${block}:end -->`);
  if (start < 0 || end < start) return;
  writeFileSync(docs, `${text.slice(0, start + startMarker.length)}\n${markdown}\n${text.slice(end)}`);
}

/** What the run has so far: rows, skipped parts, and whether anything could not run. */
interface Recorder {
  readonly rows: BenchRow[];
  readonly skipped: SkippedScenario[];
  failed: boolean;
  progress(message: string): void;
  fail(scenario: string, error: unknown): void;
}

function createRecorder(): Recorder {
  const recorder: Recorder = {
    rows: [],
    skipped: [],
    failed: false,
    progress: (message) => {
      process.stderr.write(`bench: ${message}\n`);
    },
    fail: (scenario, error) => {
      recorder.failed = true;
      const reason = error instanceof Error ? error.message : String(error);
      recorder.skipped.push({ scenario, reason: `could not run: ${reason}` });
      process.stderr.write(`bench: FAILED ${scenario}: ${reason}\n`);
      if (process.env['BENCH_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    },
  };
  return recorder;
}

/** Brokers: a missing binary is skipped loudly (and fails under CI, where .ci/run installs them). */
async function startBrokers(kinds: readonly BrokerKind[], recorder: Recorder): Promise<RunningBroker[]> {
  const ci = isCi();
  const brokers: RunningBroker[] = [];
  for (const kind of kinds) {
    if (!isBrokerInstalled(kind)) {
      const reason = `${kind === 'redis' ? 'redis-server' : kind.startsWith('nats') ? 'nats-server' : kind} is not installed: its rows are missing`;
      recorder.skipped.push({ scenario: kind, reason });
      process.stderr.write(`bench: SKIPPED ${kind}: ${reason}${ci ? ' (CI=true: this fails the run)' : ''}\n`);
      if (ci) recorder.failed = true;
      continue;
    }
    try {
      brokers.push(await startBroker(kind));
    } catch (error) {
      recorder.fail(`broker ${kind}`, error);
    }
  }
  return brokers;
}

/** Runs the selected scenarios in order; returns the seconds each took (also logged as it goes). */
async function runScenarios(ctx: BenchContext, args: Args, recorder: Recorder, started: number): Promise<Record<string, number>> {
  const external = (file: string, exportName: string, scenario: string) => async (): Promise<void> => {
    const got = await runExternalBench(file, exportName, args.quick);
    if (!got) throw new Error(`bench/${file} (${exportName}) does not exist yet`);
    recorder.rows.push(...got.map((r) => ({ ...r, scenario })));
  };
  const scenarios: Record<ScenarioName, () => Promise<void>> = {
    update: () => benchUpdates(ctx),
    'late-join': () => benchLateJoin(ctx),
    'fan-out': () => benchFanOut(ctx),
    crash: () => benchCrash(ctx),
    memory: () => benchMemory(ctx),
    startup: () => benchStartup(ctx),
    scale: () => benchScale(ctx),
    toolchain: external('toolchain.ts', 'benchToolchain', 'toolchain'),
    codegen: external('codegen.ts', 'benchCodegen', 'codegen'),
  };
  const seconds: Record<string, number> = {};
  for (const name of scenarioNames) {
    if (!args.only.has(name)) continue;
    recorder.progress(`scenario ${name}`);
    const scenarioStarted = Date.now();
    try {
      await scenarios[name]();
    } catch (error) {
      recorder.fail(name, error);
    }
    seconds[name] = (Date.now() - scenarioStarted) / 1000;
    recorder.progress(`scenario ${name} took ${seconds[name]!.toFixed(1)} s (${Math.round((Date.now() - started) / 1000)} s so far)`);
  }
  return seconds;
}

function readMachine(args: Args, rounds: number, brokers: readonly RunningBroker[], started: number, scenarioSeconds: Record<string, number>): MachineFacts {
  const brokerVersions: Record<string, string> = {};
  for (const broker of brokers) brokerVersions[broker.kind === 'aedes' ? 'aedes (embedded)' : broker.kind] = broker.version;
  if (brokers.length === 0) brokerVersions['aedes (embedded)'] = readAedesVersion();
  return {
    date: new Date().toISOString(),
    nproc: readNproc(),
    cpu: readCpuModel(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    brokers: brokerVersions,
    quick: args.quick,
    rounds,
    durationSeconds: (Date.now() - started) / 1000,
    scenarioSeconds,
  };
}

/** Only a full run (every scenario, default rounds) replaces bench/results.md; any other writes to a temp folder. */
function writeResults(args: Args, results: BenchResults): string {
  const full = !args.quick && args.rounds === undefined && args.only.size === scenarioNames.length;
  const out = args.out ?? (full ? benchDir : mkdtempSync(path.join(os.tmpdir(), 'chinook-bench-')));
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderMarkdown(results);
  writeFileSync(path.join(out, 'results.md'), `# Benchmark results\n\n${markdown}`);
  if (args.docs && full && out === benchDir) {
    pasteIntoDocs('performance.md', 'results', markdown);
    pasteIntoDocs('buses.md', 'buses', renderBusesTable(results));
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const rounds = args.rounds ?? (args.quick ? 1 : 5);
  const recorder = createRecorder();
  const needsBrokers = ['update', 'late-join', 'fan-out', 'scale', 'crash', 'memory'].some((s) => args.only.has(s as ScenarioName));
  const brokers = needsBrokers ? await startBrokers(args.brokers, recorder) : [];
  const ctx: BenchContext = {
    quick: args.quick,
    rounds,
    brokers,
    progress: recorder.progress,
    fail: recorder.fail,
    add: (...added) => recorder.rows.push(...added),
  };
  const scenarioSeconds = await runScenarios(ctx, args, recorder, started);
  const results: BenchResults = { machine: readMachine(args, rounds, brokers, started, scenarioSeconds), rows: recorder.rows, skipped: recorder.skipped };
  const out = writeResults(args, results);

  process.stdout.write(`\n${renderTable(results)}\n\n`);
  process.stdout.write(`results: ${path.join(out, 'results.json')}, ${path.join(out, 'results.md')}\n`);
  if (recorder.failed) process.stdout.write('bench: some scenarios could not run (see SKIPPED/FAILED above)\n');
  return recorder.failed ? 1 : 0;
}

// A hard bound on the whole run, so CI never hangs on a wedged broker or child.
// Sized for five brokers (mosquitto, aedes, Redis, NATS, a three-node NATS cluster) and the start-up,
// memory and scale scenarios on a busy 2-core machine.
const watchdogMs = process.argv.includes('--quick') ? 265_000 : 1_800_000;
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: the run exceeded ${watchdogMs / 1000} s; stopping\n`);
  void cleanUpEverything(2_000).finally(() => process.exit(1));
}, watchdogMs);
watchdog.unref();

let code = 1;
try {
  code = await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  code = 1;
} finally {
  await cleanUpEverything();
}
process.exit(code);

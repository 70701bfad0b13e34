/**
 * `chinook generate`: the file-system edge of code generation. Everything it writes comes
 * from the pure pipeline in src/codegen/; here we read manifests and OUT, write atomically,
 * skip unchanged files, remove our own stale files and scaffold handlers once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeGenerateOptions, type GenerateOptions, type GenerateSettings } from '../../codegen/context.js';
import type { GeneratedFile } from '../../codegen/emitter.js';
import { computeInputsHash, computeOutputsHash } from '../../codegen/cache-hash.js';
import { generateFromBuild, type GenerateSystemResult } from '../../codegen/generate-system.js';
import { isOwnOutput, planOutputs, type OutputPlan } from '../../codegen/plan.js';
import { createStateSchemaCompiler } from '../../manifest/compile-state-schema.js';
import type { Diagnostic } from '../../manifest/diagnostics.js';
import { CliError, UsageError } from '../cli-error.js';
import type { CliContext, Command } from '../command.js';
import { loadConfig, type ChinookConfig } from '../config.js';
import { openGenerateCache, type GenerateCache } from '../generate-cache.js';
import { ExitCode } from '../exit-codes.js';
import { forEachConcurrently } from '../for-each-concurrently.js';
import { loadSystemFromFiles, readManifestFiles } from '../load-system.js';
import { ensureEsmScope } from '../module-type.js';
import { describeOrphans, findOrphanHandlers } from '../orphan-handlers.js';
import { commandRun, oneOf, optionalFolder } from '../parse-args.js';
import { exists, toPosix } from '../paths.js';
import { renderCheckResult, renderDiagnostics, type DiagnosticFormat, type StaleFile } from '../render-diagnostics.js';

const usage = 'usage: chinook generate [DIR] [--out OUT] [--check] [--format text|json|github]';
const FORMATS: readonly DiagnosticFormat[] = ['text', 'json', 'github'];

const help = `${usage}

Validate the manifests under DIR, then write into OUT everything a service author needs:
per-domain types and compiled validators, the topic map, a typed stub per service,
graph.md and index.ts. Handler files (\`handlers\` of chinook.config.yaml, default
\`handlers/\`) are created once from templates/ and never overwritten.

  DIR             manifest folder (default: \`manifests\` of chinook.config.yaml, else \`schemas\`)
  --out OUT       output folder (default: \`out\` of chinook.config.yaml, else \`generated\`)
  --check         write nothing; exit 1 listing the files that differ if OUT is stale
  --format FMT    how problems in the manifests are reported: text (default), json, github
  -h, --help      show this help

exit codes: 0 written (or up to date), 1 invalid manifests or (with --check) stale output,
2 usage or I/O error`;

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function readPackageVersion(): string {
  try {
    return (createRequire(import.meta.url)(join(PACKAGE_ROOT, 'package.json')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

async function readHandlerTemplate(): Promise<string | undefined> {
  try {
    return await readFile(join(PACKAGE_ROOT, 'templates', 'handler.ts.tmpl'), 'utf8');
  } catch {
    return undefined;
  }
}

/** Every file under OUT (path relative to OUT → text); dot-folders and node_modules are never ours. */
async function readOutputFolder(outAbs: string): Promise<Map<string, string>> {
  const paths: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(path);
      } else if (entry.isFile()) {
        paths.push(path);
      }
    }
  };
  await walk(outAbs);
  // Read several at once: the no-change rerun is mostly this.
  const texts: string[] = new Array<string>(paths.length);
  await forEachConcurrently(paths, async (path, i) => {
    texts[i] = await readFile(path, 'utf8');
  });
  return new Map(paths.map((path, i) => [toPosix(relative(outAbs, path)), texts[i]!]));
}

/** Temp file in the same folder (which must exist), then rename: readers never see a half-written file. */
async function writeAtomically(path: string, content: string, exclusive = false): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, content, 'utf8');
  if (exclusive) {
    if (await exists(path)) {
      await rm(temp);
      return;
    }
  }
  await rename(temp, path);
}

/** Writes files atomically, several at once, creating each folder once. */
async function writeFiles(files: readonly { path: string; content: string }[]): Promise<void> {
  for (const dir of new Set(files.map((f) => dirname(f.path)))) await mkdir(dir, { recursive: true });
  await forEachConcurrently(files, (file) => writeAtomically(file.path, file.content));
}

/**
 * The no-change rerun: when the cache (outside OUT) records the same inputs hash, and the
 * files of ours now in OUT hash to what it recorded (which catches hand edits, deletions
 * and extra files), and every handler exists, there is nothing to do: no model is built.
 */
async function isFastPathUpToDate(cache: GenerateCache | undefined, settings: GenerateSettings, outAbs: string, cwd: string, inputsHash: string): Promise<boolean> {
  const recorded = await cache?.read();
  if (!recorded || recorded.inputs !== inputsHash) return false;
  const existing = await readOutputFolder(outAbs);
  const ours: GeneratedFile[] = [...existing].filter(([path, content]) => isOwnOutput(path, content)).map(([path, content]) => ({ path, content }));
  if (computeOutputsHash(ours) !== recorded.outputs) return false;
  let services: string[];
  try {
    services = Object.keys((JSON.parse(existing.get('topics.json') ?? '') as { services: object }).services);
  } catch {
    return false;
  }
  let allExist = true;
  await forEachConcurrently(services, async (service) => {
    if (!(await exists(resolve(cwd, settings.handlersDir, `${service}.ts`)))) allExist = false;
  });
  return allExist;
}

/** In a CommonJS project, OUT and the handlers' folder declare themselves ESM (see module-type.ts). */
async function declareEsm(ctx: CliContext, say: (line: string) => void, outRel: string, handlersDir: string | undefined): Promise<void> {
  const written = [await ensureEsmScope(outRel, ctx.cwd, 'the generated files')];
  if (handlersDir !== undefined && (await exists(resolve(ctx.cwd, handlersDir)))) written.push(await ensureEsmScope(handlersDir, ctx.cwd, 'the handlers'));
  for (const path of written) if (path !== undefined) say(`${toPosix(path)} written: ES modules inside this CommonJS project`);
}

/** The stubs in OUT (`services/<file>.ts`), by file name: what a handler may import. */
function stubNames(paths: Iterable<string>): Set<string> {
  return new Set([...paths].flatMap((p) => /^services\/([^/]+)\.ts$/.exec(p)?.[1] ?? []));
}

/** Warns about handlers of services no longer in the system (on every run: `tsc` keeps failing on them). */
async function warnOrphans(ctx: CliContext, handlersDir: string, outRel: string, stubs: ReadonlySet<string>): Promise<void> {
  for (const line of describeOrphans(await findOrphanHandlers(handlersDir, ctx.cwd, stubs), outRel)) ctx.stderr.write(line + '\n');
}

function report(ctx: CliContext, format: DiagnosticFormat, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, ok: boolean): void {
  const output = renderDiagnostics(diagnostics, format, sources, { color: ctx.color });
  if (format === 'text' && !ok) ctx.stderr.write(output);
  else ctx.stdout.write(output);
}

/** Where generate reads and writes, from the flags and chinook.config.yaml. */
interface GenerateTarget {
  readonly dir: string;
  readonly outAbs: string;
  /** OUT as printed: relative to the current directory, `/`-separated (`..` allowed). */
  readonly outRel: string;
  readonly settings: GenerateSettings;
}

async function resolveTarget(cwd: string, config: ChinookConfig, dirFlag: string | undefined, outFlag: string | undefined): Promise<GenerateTarget> {
  const dir = dirFlag ?? config.manifests;
  const outAbs = resolve(cwd, outFlag ?? config.out);
  // Any folder, inside the current directory or not (a monorepo's sibling package): only
  // files carrying our header are ever replaced or removed there.
  const outRel = toPosix(relative(cwd, outAbs)) || '.';
  const template = await readHandlerTemplate();
  const options: GenerateOptions = {
    system: config.system,
    out: outRel,
    manifests: toPosix(relative(cwd, resolve(cwd, dir))) || '.',
    handlers: toPosix(relative(cwd, resolve(cwd, config.handlers))) || '.',
    generatorVersion: readPackageVersion(),
    ...(config.prefix === undefined ? {} : { prefix: config.prefix }),
    ...(template === undefined ? {} : { handlerTemplate: template }),
  };
  return { dir, outAbs, outRel, settings: normalizeGenerateOptions(options) };
}

/** What a full generate run decided: the diagnostics and, when valid, what to change in OUT. */
type GeneratePlan =
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string> }
  | { readonly ok: true; readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string>; readonly result: GenerateSystemResult; readonly plan: OutputPlan };

async function planGeneration(target: GenerateTarget, read: Awaited<ReturnType<typeof readManifestFiles>>, system: string): Promise<GeneratePlan> {
  // One compiler for validation and codegen: each state schema compiles once.
  const compiler = createStateSchemaCompiler();
  const loaded = loadSystemFromFiles(read, { system, compiler });
  const result = await generateFromBuild(loaded.build, target.settings, compiler);
  if (!result.ok) return { ok: false, diagnostics: result.diagnostics, sources: loaded.sources };
  let existing: Map<string, string>;
  try {
    existing = await readOutputFolder(target.outAbs);
  } catch (error) {
    throw new CliError(`cannot read \`${target.outRel}\`: ${(error as Error).message}`, ExitCode.usage);
  }
  return { ok: true, diagnostics: result.diagnostics, sources: loaded.sources, result, plan: planOutputs(result.files, existing) };
}

/** The files of OUT that are not what generate would write, with paths as printed. */
function listStale(plan: OutputPlan, outRel: string): StaleFile[] {
  return [
    ...plan.stale.map((f) => ({ file: `${outRel}/${f.path}`, reason: 'differs' as const })),
    ...plan.missing.map((f) => ({ file: `${outRel}/${f.path}`, reason: 'missing' as const })),
    ...plan.extra.map((p) => ({ file: `${outRel}/${p}`, reason: 'extra' as const })),
  ];
}

/** What `generate --check` finds, for `chinook run` to refuse stale or invalid code. */
export interface GeneratedCheck {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
  readonly stale: readonly StaleFile[];
}

/** `generate --check` without output: the manifests valid and OUT exactly what generate would write. */
export async function checkGenerated(cwd: string, config: ChinookConfig): Promise<GeneratedCheck> {
  const target = await resolveTarget(cwd, config, undefined, undefined);
  const planned = await planGeneration(target, await readManifestFiles(target.dir, cwd), config.system);
  if (!planned.ok) return { ok: false, diagnostics: planned.diagnostics, sources: planned.sources, stale: [] };
  const stale = listStale(planned.plan, target.outRel);
  return { ok: stale.length === 0, diagnostics: planned.diagnostics, sources: planned.sources, stale };
}

/** The text form of the stale files, one indented line each. */
export function describeStale(stale: readonly StaleFile[]): string {
  return stale.map(({ file, reason }) => (reason === 'extra' ? `  extra:   ${file} (generate would remove it)` : `  ${reason}: ${file}`)).join('\n');
}

/** `--check`: report and exit, writing nothing. */
async function reportCheck(ctx: CliContext, format: DiagnosticFormat, planned: GeneratePlan, target: GenerateTarget, cache: GenerateCache | undefined, inputsHash: string): Promise<ExitCode> {
  const stale = planned.ok ? listStale(planned.plan, target.outRel) : [];
  if (format !== 'text') ctx.stdout.write(renderCheckResult(stale, planned.diagnostics, format));
  else if (!planned.ok || planned.diagnostics.length > 0) report(ctx, format, planned.diagnostics, planned.sources, planned.ok);
  if (!planned.ok) return ExitCode.failure;
  if (stale.length > 0) {
    ctx.stderr.write(`chinook generate --check: ${target.outRel}/ is stale; run \`chinook generate\`\n${describeStale(stale)}\n`);
    return ExitCode.failure;
  }
  await cache?.write({ inputs: inputsHash, outputs: computeOutputsHash(planned.result.files) });
  (format === 'text' ? ctx.stdout : ctx.stderr).write(`${target.outRel}/ is up to date (${planned.result.files.length} files)\n`);
  return ExitCode.ok;
}

/** Writes what the plan says, scaffolds missing handlers once; returns the summary line. */
async function writeOutputs(cwd: string, target: GenerateTarget, result: GenerateSystemResult, plan: OutputPlan): Promise<string> {
  const { outAbs, outRel } = target;
  try {
    await writeFiles([...plan.missing, ...plan.stale].map((file) => ({ path: join(outAbs, file.path), content: file.content })));
    for (const path of plan.extra) await rm(join(outAbs, path), { force: true });
  } catch (error) {
    throw new CliError(`cannot write \`${outRel}\`: ${(error as Error).message}`, ExitCode.usage);
  }
  const scaffolds = result.scaffolds;
  const isNew = scaffolds.map(() => false);
  await forEachConcurrently(scaffolds, async (scaffold, i) => {
    const path = resolve(cwd, scaffold.path);
    if (await exists(path)) return;
    await mkdir(dirname(path), { recursive: true });
    await writeAtomically(path, scaffold.content, true);
    isNew[i] = true;
  });
  const created = scaffolds.filter((_, i) => isNew[i]).map((s) => s.path);
  const written = plan.missing.length + plan.stale.length;
  return (
    `${outRel}/: ${written} file${written === 1 ? '' : 's'} written, ${plan.unchanged.length} unchanged, ${plan.extra.length} removed` +
    (created.length > 0 ? `; new handler${created.length === 1 ? '' : 's'}: ${created.join(', ')}` : '')
  );
}

export const generateCommand: Command = {
  summary: 'validate, then write types, validators, topic map and service stubs (--check: verify only)',
  usage,
  run: commandRun({ out: { type: 'string' }, check: { type: 'boolean' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, usage, help, async ({ values, positionals }, ctx) => {
    const format = oneOf('format', values.format, FORMATS, 'text', usage);
    const folder = optionalFolder(positionals, usage);
    if (values.out === '') throw new UsageError('--out needs a folder', usage);
    const config = await loadConfig(ctx.cwd);
    const target = await resolveTarget(ctx.cwd, config, folder, values.out);
    // Read once: the same texts are hashed for the no-change cache and built into the model.
    const read = await readManifestFiles(target.dir, ctx.cwd);
    const inputsHash = computeInputsHash(target.settings, read.files);
    const say = (line: string): void => void (format !== 'text' ? ctx.stderr : ctx.stdout).write(line + '\n');

    const cache = await openGenerateCache(ctx.cwd, target.outAbs);
    if (!values.check && (await isFastPathUpToDate(cache, target.settings, target.outAbs, ctx.cwd, inputsHash))) {
      if (format !== 'text') report(ctx, format, [], new Map(), true);
      say(`${target.outRel}/ is up to date`);
      await declareEsm(ctx, say, target.outRel, target.settings.handlersDir);
      await warnOrphans(ctx, target.settings.handlersDir, target.outRel, stubNames((await readOutputFolder(target.outAbs)).keys()));
      return ExitCode.ok;
    }
    const planned = await planGeneration(target, read, config.system);
    if (values.check) return reportCheck(ctx, format, planned, target, cache, inputsHash);
    if (!planned.ok) {
      report(ctx, format, planned.diagnostics, planned.sources, false);
      return ExitCode.failure;
    }
    if (format !== 'text' || planned.diagnostics.length > 0) report(ctx, format, planned.diagnostics, planned.sources, true);
    const summary = await writeOutputs(ctx.cwd, target, planned.result, planned.plan);
    await cache?.write({ inputs: inputsHash, outputs: computeOutputsHash(planned.result.files) });
    say(summary);
    await declareEsm(ctx, say, target.outRel, planned.result.scaffolds.length > 0 ? target.settings.handlersDir : undefined);
    await warnOrphans(ctx, target.settings.handlersDir, target.outRel, stubNames(planned.result.files.map((f) => f.path)));
    return ExitCode.ok;
  }),
};

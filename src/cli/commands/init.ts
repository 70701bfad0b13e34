/**
 * `chinook init [DIR]`: sets up a project, in an empty folder or an existing npm project.
 * Creates only what is absent (the files come from templates/init/); package.json gets the
 * missing scripts only. A second run changes nothing.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NAME_MAX_LENGTH, NAME_PATTERN } from '../../manifest/manifest-schema.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';
import { CONFIG_FILE, DEFAULT_CONFIG, loadConfig, type ChinookConfig } from '../config.js';
import { ExitCode } from '../exit-codes.js';
import { ensureEsmScope, findPackageScope } from '../module-type.js';
import { commandRun, optionalFolder } from '../parse-args.js';

const usage = 'usage: chinook init [DIR]';

const help = `${usage}

Sets up a Chinook project in DIR (default: the current folder), an empty folder or an
existing npm project. Creates, only where absent:
  ${CONFIG_FILE}              the system's name and folders
  schemas/counter.domain.yaml      an example manifest (only when there is no manifest yet)
  tsconfig.json                    compiler options suited to the generated code
  package.json                     (or adds to yours) the scripts generate, check, start
  .github/workflows/chinook.yml    CI: fails on invalid manifests, dependency loops, stale generated code, breaking schema changes
  handlers/package.json            in a CommonJS project only: the handlers are ES modules
It never overwrites a file; a second run changes nothing. Then it prints the next commands.

  -h, --help      show this help

exit codes: 0 done, 2 usage or I/O error`;

const TEMPLATES = fileURLToPath(new URL('../../../templates/init/', import.meta.url));

export const INIT_SCRIPTS: Readonly<Record<string, string>> = {
  generate: 'chinook generate',
  check: 'chinook validate && chinook generate --check',
  start: 'chinook run',
};

/** What init did to one file. */
interface Step {
  readonly path: string;
  readonly action: 'created' | 'kept' | 'updated';
  readonly note?: string;
}

async function readTemplate(name: string, values: Readonly<Record<string, string>>): Promise<string> {
  const text = await readFile(join(TEMPLATES, name), 'utf8');
  return text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, ExitCode.usage);
  }
}

/** Writes `content` to `root/path` unless a file is there; `wx` so that a race never overwrites either. */
async function createOnce(root: string, path: string, content: () => Promise<string>): Promise<Step> {
  const abs = join(root, path);
  if ((await readIfPresent(abs)) !== undefined) return { path, action: 'kept' };
  await mkdir(dirname(abs), { recursive: true });
  try {
    await writeFile(abs, await content(), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { path, action: 'kept' };
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`, ExitCode.usage);
  }
  return { path, action: 'created' };
}

/** A valid system name from a package or folder name (`My Home` → `my-home`), else `default`. */
export function toSystemName(name: string): string {
  const candidate = name
    .replace(/^@[^/]*\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '')
    .slice(0, NAME_MAX_LENGTH)
    .replace(/-+$/, '');
  return NAME_PATTERN.test(candidate) ? candidate : DEFAULT_CONFIG.system;
}

async function hasManifests(dir: string): Promise<boolean> {
  try {
    const entries = await readdir(dir, { recursive: true });
    return entries.some((e) => /\.ya?ml$/.test(e));
  } catch {
    return false;
  }
}

/** Creates package.json, or adds the scripts it lacks, keeping its indentation; never changes a script. */
async function addScripts(root: string, system: string): Promise<Step> {
  const path = join(root, 'package.json');
  const text = await readIfPresent(path);
  if (text === undefined) {
    const pkg = { name: system, version: '0.1.0', private: true, type: 'module', scripts: INIT_SCRIPTS };
    await writeFile(path, JSON.stringify(pkg, null, 2) + '\n', { flag: 'wx' });
    return { path: 'package.json', action: 'created', note: `scripts ${Object.keys(INIT_SCRIPTS).join(', ')}` };
  }
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`package.json is not valid JSON: ${(error as Error).message}`, ExitCode.usage, 'fix it, then run `chinook init` again');
  }
  const scripts = typeof pkg['scripts'] === 'object' && pkg['scripts'] !== null ? (pkg['scripts'] as Record<string, unknown>) : {};
  const missing = Object.keys(INIT_SCRIPTS).filter((name) => !Object.hasOwn(scripts, name));
  if (missing.length === 0) return { path: 'package.json', action: 'kept' };
  const added = Object.fromEntries(missing.map((name) => [name, INIT_SCRIPTS[name]]));
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? '  ';
  const updated = { ...pkg, scripts: { ...scripts, ...added } };
  await writeFile(path, JSON.stringify(updated, null, indent) + (text.endsWith('\n') ? '\n' : ''));
  const kept = Object.keys(INIT_SCRIPTS).filter((name) => !missing.includes(name));
  return { path: 'package.json', action: 'updated', note: `added scripts ${missing.join(', ')}${kept.length > 0 ? `; kept yours: ${kept.join(', ')}` : ''}` };
}

async function systemNameFor(root: string): Promise<string> {
  const text = await readIfPresent(join(root, 'package.json'));
  try {
    const name = text === undefined ? undefined : (JSON.parse(text) as { name?: unknown }).name;
    if (typeof name === 'string') return toSystemName(name);
  } catch {
    // reported by addScripts
  }
  return toSystemName(basename(root));
}

/** Every step of init, in the order they are shown. */
async function initProject(root: string): Promise<{ steps: Step[]; config: ChinookConfig }> {
  const system = await systemNameFor(root);
  const steps: Step[] = [];
  steps.push(await createOnce(root, CONFIG_FILE, () => readTemplate('chinook.config.yaml.tmpl', { system })));
  const config = await loadConfig(root);
  const manifestDir = join(root, config.manifests);
  const example = join(config.manifests, 'counter.domain.yaml');
  const ownExample = (await readIfPresent(join(root, example))) !== undefined;
  if (!ownExample && (await hasManifests(manifestDir))) steps.push({ path: `${config.manifests}/`, action: 'kept', note: 'it holds manifests: no example added' });
  else steps.push(await createOnce(root, example, () => readTemplate('counter.domain.yaml.tmpl', {})));
  const tsconfig = await createOnce(root, 'tsconfig.json', () => readTemplate('tsconfig.json.tmpl', { out: config.out, handlers: config.handlers }));
  const suited = /"(nodenext|node16|node18|bundler)"/i.test((await readIfPresent(join(root, 'tsconfig.json'))) ?? '');
  steps.push(suited ? tsconfig : { ...tsconfig, note: 'yours: the generated code needs "module": "nodenext" (or "bundler")' });
  steps.push(await addScripts(root, system));
  steps.push(await createOnce(root, join('.github', 'workflows', 'chinook.yml'), () => readTemplate('chinook.yml.tmpl', {})));
  if ((await findPackageScope(join(root, config.handlers))).type === 'commonjs') {
    await mkdir(join(root, config.handlers), { recursive: true });
    const created = await ensureEsmScope(config.handlers, root, 'the handlers');
    if (created !== undefined) steps.push({ path: created, action: 'created', note: 'the handlers are ES modules in this CommonJS project' });
  }
  return { steps, config };
}

function renderSteps(steps: readonly Step[]): string[] {
  const width = Math.max(...steps.map((s) => s.path.length));
  return steps.map((s) => `  ${s.action.padEnd(7)}  ${s.path.padEnd(width)}${s.note === undefined ? '' : `  (${s.note})`}`.trimEnd());
}

async function nextCommands(root: string, cwd: string, config: ChinookConfig): Promise<string[]> {
  const lines: string[] = [];
  const where = relative(cwd, root);
  if (where !== '') lines.push(`  cd ${where}`);
  if ((await readIfPresent(join(root, 'node_modules', 'chinook-ipc', 'package.json'))) === undefined) lines.push('  npm install chinook-ipc');
  lines.push(
    `  npx chinook generate      # types, validators and a handler to fill in: ${config.handlers}/<service>.ts`,
    '  npm start                 # chinook run: every service on an embedded broker (Ctrl-C stops)',
    '  npm run check             # what CI runs: manifests valid, no dependency loop, generated code current',
  );
  return lines;
}

export const initCommand: Command = {
  summary: 'set up a project: config, an example manifest, tsconfig, scripts, CI workflow (never overwrites)',
  usage,
  run: commandRun({ help: { type: 'boolean', short: 'h' } }, usage, help, async ({ positionals }, ctx) => {
    const folder = optionalFolder(positionals, usage);
    const root = resolve(ctx.cwd, folder ?? '.');
    try {
      await mkdir(root, { recursive: true });
    } catch (error) {
      throw new CliError(`cannot create ${folder}: ${(error as Error).message}`, ExitCode.usage);
    }
    const { steps, config } = await initProject(root);
    const changed = steps.some((s) => s.action !== 'kept');
    ctx.stdout.write(
      [
        changed ? `chinook init: set up ${relative(ctx.cwd, root) || 'this folder'}` : 'chinook init: nothing to do, every file is already there',
        ...renderSteps(steps),
        '',
        'next:',
        ...(await nextCommands(root, ctx.cwd, config)),
        '',
      ].join('\n'),
    );
    return ExitCode.ok;
  }),
};

import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { Command, CliContext } from '../command.js';
import { CliError, UsageError } from '../cli-error.js';
import { loadConfig } from '../config.js';
import { ExitCode } from '../exit-codes.js';
import { loadSystemFromDir, loadSystemFromFiles, readManifestFiles, type LoadedSystem } from '../load-system.js';
import { commandRun, oneOf, optionalFolder } from '../parse-args.js';
import { toPosix } from '../paths.js';
import { readManifestFilesAtCommit, resolveCommit } from '../read-git-manifests.js';
import { renderDiagnostics, type DiagnosticFormat } from '../render-diagnostics.js';
import { locateDiff, renderDiff } from '../render-diff.js';
import { createChangeLocator } from '../../model/locate-change.js';
import { diffSystems } from '../../model/system-diff.js';
import type { SystemModel } from '../../model/types.js';

const usage = 'usage: chinook diff --against REF|DIR [DIR] [--format text|json|github]';
const FORMATS: readonly DiagnosticFormat[] = ['text', 'json', 'github'];

const help = `${usage}

Compare the manifests with an earlier set and classify every change of every domain for
both directions of a rolling upgrade: can readers still on the old code read the new states,
and can upgraded readers read the old states (the retained ones included)? A change that
breaks either direction needs a \`version\` bump (docs/manifest.md, "Evolving a schema").

  --against REF   a git branch, tag or commit (read with git itself: ls-tree + cat-file;
                  the manifest folder as it was there), e.g. origin/main
  --against DIR   or a folder holding the earlier manifests (a folder wins over a ref of the same name)
  DIR             the current manifest folder (default: \`manifests\` of chinook.config.yaml, else \`schemas\`)
  --format FMT    text (default), json (for tools), github (workflow annotations)
  -h, --help      show this help

exit codes: 0 every change compatible or covered by a version bump, 1 a breaking change
without a version bump, a lowered version, a removed domain that remaining domains required,
or invalid current manifests; 2 usage or I/O error (unknown ref, invalid earlier manifests)`;

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function emptySystem(name: string): SystemModel {
  return { name, domains: [], services: [], waitsFor: [], domainsByName: new Map(), servicesByName: new Map() };
}

/** The earlier manifests: a folder, else the manifest folder at a git commit. */
async function loadEarlier(against: string, folder: string, ctx: CliContext, system: string): Promise<{ model: SystemModel; sources: ReadonlyMap<string, string> }> {
  let loaded: LoadedSystem;
  if (await isDirectory(resolve(ctx.cwd, against))) {
    loaded = loadSystemFromFiles(await readManifestFiles(against, ctx.cwd), { system });
  } else {
    const commit = await resolveCommit(against, ctx.cwd);
    const files = await readManifestFilesAtCommit(commit, folder, ctx.cwd);
    // No manifest folder at that commit (the change that introduces Chinook): every domain is new.
    if (files.length === 0) return { model: emptySystem(system), sources: new Map() };
    loaded = loadSystemFromFiles({ folder: `${against}:${folder}`, files }, { system });
  }
  if (loaded.model === undefined) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    const detail = renderDiagnostics(errors, 'text', loaded.sources, { color: ctx.color }).trimEnd();
    throw new CliError(`the earlier manifests (${against}) are not valid, so there is nothing sound to compare with`, ExitCode.usage, detail);
  }
  return { model: loaded.model, sources: loaded.sources };
}

export const diffCommand: Command = {
  summary: 'classify every manifest change against a git ref or folder (exit 1 on a breaking change without a version bump)',
  usage,
  run: commandRun({ against: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, usage, help, async ({ values, positionals }, ctx) => {
    const format = oneOf('format', values.format, FORMATS, 'text', usage);
    const against = values.against;
    if (against === undefined || against === '') throw new UsageError('--against REF|DIR is required', usage);
    const given = optionalFolder(positionals, usage);
    const config = await loadConfig(ctx.cwd);
    const dir = given ?? config.manifests;
    const current = await loadSystemFromDir(dir, { cwd: ctx.cwd, system: config.system });
    if (current.model === undefined) {
      const out = renderDiagnostics(current.diagnostics, format, current.sources, { color: ctx.color });
      (format === 'text' ? ctx.stderr : ctx.stdout).write(out);
      if (format === 'text') ctx.stderr.write('the current manifests are not valid: fix them first (`chinook validate`)\n');
      return ExitCode.failure;
    }
    // The folder as git sees it from here (`/`-separated, relative to the current directory).
    const folder = toPosix(relative(ctx.cwd, resolve(ctx.cwd, dir))) || '.';
    const earlier = await loadEarlier(against, folder, ctx, config.system);
    const diff = diffSystems(earlier.model, current.model);
    const report = locateDiff(diff, against, { new: createChangeLocator(current.sources), old: createChangeLocator(earlier.sources) });
    const sources = new Map([...earlier.sources, ...current.sources]);
    ctx.stdout.write(renderDiff(report, format, sources, ctx.color));
    return report.ok ? ExitCode.ok : ExitCode.failure;
  }),
};

/** The file-system edge of manifest loading: find, read, then hand texts to the pure builder. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { StateSchemaCompiler } from '../manifest/compile-state-schema.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { buildSystem, type BuildResult, type ManifestFile } from '../model/build-system.js';
import type { SystemModel } from '../model/types.js';
import { CliError } from './cli-error.js';
import { forEachConcurrently } from './for-each-concurrently.js';
import { ExitCode } from './exit-codes.js';
import { toPosix } from './paths.js';

export interface LoadedSystem {
  readonly model: SystemModel | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** File path (as in diagnostics) → text, for rendering source lines. */
  readonly sources: ReadonlyMap<string, string>;
  /** The full build result (graph, manifest count). */
  readonly build: BuildResult;
}

/** Every *.yaml / *.yml under `dir`, recursively, as absolute paths sorted by relative path. */
async function findManifestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if ((entry.isFile() || entry.isSymbolicLink()) && /\.ya?ml$/i.test(entry.name)) found.push(path);
    }
  }
  return found.sort((a, b) => {
    const ra = toPosix(relative(dir, a));
    const rb = toPosix(relative(dir, b));
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
}

/** The manifest files under `dir` (paths relative to `cwd`), as `validate` and `generate` find them; a missing folder is a usage error. */
export async function readManifestFiles(dir: string, cwd: string): Promise<{ folder: string; files: ManifestFile[] }> {
  const absolute = resolve(cwd, dir);
  const folder = toPosix(relative(cwd, absolute)) || '.';
  let info;
  try {
    info = await stat(absolute);
  } catch {
    throw new CliError(`manifest folder \`${folder}\` does not exist`, ExitCode.usage, 'pass the folder as DIR, or set `manifests` in chinook.config.yaml');
  }
  if (!info.isDirectory()) throw new CliError(`\`${folder}\` is not a folder`, ExitCode.usage, 'pass the folder that holds the manifests');
  let paths: string[];
  try {
    paths = await findManifestFiles(absolute);
  } catch (error) {
    throw new CliError(`cannot list \`${folder}\`: ${(error as Error).message}`, ExitCode.usage);
  }
  const files = paths.map((path): ManifestFile => ({ path: toPosix(relative(cwd, path)), text: '' }));
  await forEachConcurrently(paths, async (path, i) => {
    const file = files[i]!;
    try {
      files[i] = { path: file.path, text: await readFile(path, 'utf8') };
    } catch (error) {
      throw new CliError(`cannot read \`${file.path}\`: ${(error as Error).message}`, ExitCode.usage);
    }
  });
  return { folder, files };
}

/** Builds the system from files already read by `readManifestFiles`. */
export function loadSystemFromFiles(read: { folder: string; files: readonly ManifestFile[] }, ctx: { system: string; compiler?: StateSchemaCompiler }): LoadedSystem {
  const build = buildSystem(read.files, { system: ctx.system, folder: read.folder, ...(ctx.compiler === undefined ? {} : { compiler: ctx.compiler }) });
  return { model: build.model, diagnostics: build.diagnostics, sources: new Map(read.files.map((f) => [f.path, f.text])), build };
}

export async function loadSystemFromDir(dir: string, ctx: { cwd: string; system: string; compiler?: StateSchemaCompiler }): Promise<LoadedSystem> {
  return loadSystemFromFiles(await readManifestFiles(dir, ctx.cwd), ctx);
}

/**
 * Compiles the user's TypeScript (generated code and handlers) to JavaScript once, into a
 * content-addressed cache, so that `chinook run` and each of its service processes import
 * plain JavaScript instead of loading a TypeScript compiler at every start.
 *
 * - One esbuild build per project: the generated index and every handler file are entry
 *   points, bundled with code splitting, so modules they share (the generated code) are one
 *   chunk, loaded once per process. Packages stay external (`node_modules` as usual), except
 *   `chinook-ipc`, which is pinned to the runtime of this very CLI: a service process holds
 *   one copy of the runtime, not two.
 * - The cache lives in `<project>/node_modules/.cache/chinook/`: `<key>.json` lists the build's
 *   inputs with the hash of their content; `<hash of all contents>/` holds the output. A hit
 *   reads and hashes the inputs (a few ms), never loads esbuild; any changed input rebuilds.
 *   Output folders are written aside and renamed into place, so concurrent runs never see a
 *   half-written build.
 * - `import.meta.url` (and `dirname`/`filename`) keep meaning the source file, so a handler
 *   that reads a file next to itself still finds it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildFailure, Plugin } from 'esbuild';
import { toPosix } from '../paths.js';

export interface CompileRequest {
  /** The project folder: relative paths, the cache and `node_modules` are found from it. */
  readonly cwd: string;
  /** Source files (absolute) to compile, each becoming an importable module. */
  readonly entries: readonly string[];
}

export interface CompiledEntries {
  /** Where each entry's compiled module is (a file URL), by the entry's absolute source path. */
  readonly modules: ReadonlyMap<string, string>;
  /** True when the build was found in the cache (nothing was compiled). */
  readonly fromCache: boolean;
}

/** A compile error in the user's code, with where it is (relative to the project). */
export class CompileError extends Error {
  constructor(
    message: string,
    readonly file: string | undefined,
  ) {
    super(message);
    this.name = 'CompileError';
  }
}

interface CacheManifest {
  /** Input file (relative to the project) → sha256 of its content. */
  readonly inputs: { readonly [file: string]: string };
  /** The build's folder name (the hash of all inputs). */
  readonly build: string;
  /** Entry (relative to the project) → compiled module (relative to the build folder). */
  readonly outputs: { readonly [entry: string]: string };
}

function chinookVersion(): string {
  return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
}

/** The runtime this CLI runs: generated code and handlers get this one. */
function runtimeUrl(): string {
  return import.meta.resolve('chinook-ipc/runtime');
}

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export function cacheFolder(cwd: string): string {
  return join(cwd, 'node_modules', '.cache', 'chinook');
}

/** The manifest's build, when every input it lists still has the content it was built from. */
async function readHit(cwd: string, manifestFile: string): Promise<CacheManifest | undefined> {
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as CacheManifest;
  } catch {
    return undefined;
  }
  const hashes = await Promise.all(
    Object.keys(manifest.inputs).map(async (file) => {
      try {
        return sha256(await readFile(resolve(cwd, file)));
      } catch {
        return undefined;
      }
    }),
  );
  const unchanged = Object.values(manifest.inputs).every((hash, i) => hash === hashes[i]);
  if (!unchanged) return undefined;
  try {
    await readFile(join(dirname(manifestFile), manifest.build, 'done'));
    return manifest;
  } catch {
    return undefined;
  }
}

/** `chinook-ipc` resolves to this CLI's runtime; `import.meta.url` stays the source file's. */
function projectPlugin(): Plugin {
  return {
    name: 'chinook-project',
    setup(build) {
      const runtime = runtimeUrl();
      build.onResolve({ filter: /^chinook-ipc(\/runtime)?$/ }, () => ({ path: runtime, external: true }));
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        const url = pathToFileURL(args.path).href;
        const contents = source
          .replaceAll('import.meta.url', JSON.stringify(url))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)));
        const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js';
        return { contents, loader };
      });
    },
  };
}

function describeFailure(cwd: string, failure: BuildFailure): CompileError {
  const first = failure.errors[0];
  const where = first?.location;
  const file = where ? toPosix(relative(cwd, resolve(cwd, where.file))) : undefined;
  const at = where ? `${file}:${where.line}:${where.column + 1}: ` : '';
  return new CompileError(`${at}${first?.text ?? failure.message}`, file);
}

async function build(request: CompileRequest, folder: string): Promise<CacheManifest> {
  const { cwd, entries } = request;
  const staging = join(folder, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: cwd,
      entryPoints: entries.map((e) => resolve(cwd, e)),
      outbase: cwd,
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node}`,
      packages: 'external',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunks/[name]-[hash]',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      plugins: [projectPlugin()],
    });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (error instanceof Error && 'errors' in error) throw describeFailure(cwd, error as BuildFailure);
    throw error;
  }
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    inputs[input] = sha256(await readFile(resolve(cwd, input)));
  }
  const outputs: Record<string, string> = {};
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint !== undefined) outputs[toPosix(relative(cwd, resolve(cwd, meta.entryPoint)))] = toPosix(relative(staging, resolve(cwd, output)));
  }
  const buildName = sha256(JSON.stringify(Object.entries(inputs).sort())).slice(0, 24);
  await writeFile(join(staging, 'done'), '');
  await rename(staging, join(folder, buildName)).catch(async () => {
    // Another run wrote the same build first: its content is the same.
    await rm(staging, { recursive: true, force: true });
  });
  return { inputs, build: buildName, outputs };
}

/**
 * Compiles `entries` (or finds them compiled) and returns where each compiled module is.
 * Throws CompileError for a mistake in the user's code.
 */
export async function compileEntries(request: CompileRequest): Promise<CompiledEntries> {
  const { cwd } = request;
  const entries = [...request.entries].map((e) => toPosix(relative(cwd, resolve(cwd, e)))).sort();
  const folder = cacheFolder(cwd);
  const key = sha256(JSON.stringify({ entries, version: chinookVersion(), runtime: runtimeUrl(), node: process.versions.node })).slice(0, 24);
  const manifestFile = join(folder, `${key}.json`);
  let manifest = await readHit(cwd, manifestFile);
  const fromCache = manifest !== undefined;
  if (manifest === undefined) {
    await mkdir(folder, { recursive: true });
    manifest = await build({ cwd, entries }, folder);
    const temporary = `${manifestFile}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(manifest, null, 2));
    await rename(temporary, manifestFile);
  }
  const modules = new Map<string, string>();
  for (const entry of entries) {
    const output = manifest.outputs[entry];
    if (output !== undefined) modules.set(resolve(cwd, entry), pathToFileURL(join(folder, manifest.build, output)).href);
  }
  return { modules, fromCache };
}

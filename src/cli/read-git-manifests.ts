/**
 * The manifests of a folder as they were at a git commit, read from git itself:
 * `git rev-parse` checks the ref, `git ls-tree` lists the folder's *.yaml / *.yml at that
 * commit, and one `git cat-file --batch` reads them all (one process, not one per file).
 * Paths come out relative to the current directory, exactly as `readManifestFiles` gives
 * the working tree's, so that the same manifest has the same path on both sides.
 */
import { execFile, spawn } from 'node:child_process';
import type { ManifestFile } from '../model/build-system.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

const GIT_TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 256 * 1024 * 1024;

function git(args: readonly string[], cwd: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', [...args], { cwd, encoding: 'buffer', timeout: GIT_TIMEOUT_MS, maxBuffer: MAX_OUTPUT, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'git is not installed (or not on PATH)' : stderr.toString().trim().split('\n')[0] || error.message;
        reject(new CliError(`git ${args[0]} failed: ${why}`, ExitCode.usage));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** The commit `ref` names, or a usage error saying it names none. */
export async function resolveCommit(ref: string, cwd: string): Promise<string> {
  if (ref.startsWith('-')) throw new CliError(`\`${ref}\` is not a git ref`, ExitCode.usage);
  try {
    return (await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd)).toString().trim();
  } catch (error) {
    const message = (error as Error).message;
    const hint = /not a git repository/i.test(message) ? 'run it inside the git repository, or pass a folder' : 'pass a branch, tag or commit (e.g. origin/main), or a folder that exists';
    throw new CliError(`\`${ref}\` is neither a folder nor a git commit${/not a git repository|not installed/i.test(message) ? ` (${message})` : ''}`, ExitCode.usage, hint);
  }
}

/** Reads blobs by object id with one `git cat-file --batch`. */
function readBlobs(ids: readonly string[], cwd: string): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), GIT_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => reject(new CliError(`git cat-file failed: ${error.message}`, ExitCode.usage)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new CliError(`git cat-file failed: ${stderr.trim() || `exit ${code}`}`, ExitCode.usage));
      const out = Buffer.concat(chunks);
      const blobs: Buffer[] = [];
      let at = 0;
      for (let i = 0; i < ids.length; i++) {
        const eol = out.indexOf(0x0a, at);
        const header = out.subarray(at, eol).toString().split(' ');
        const size = Number(header[2]);
        if (header[1] !== 'blob' || !Number.isInteger(size)) return reject(new CliError(`git cat-file: unexpected answer \`${header.join(' ')}\``, ExitCode.usage));
        blobs.push(out.subarray(eol + 1, eol + 1 + size));
        at = eol + 1 + size + 1;
      }
      resolve(blobs);
    });
    child.stdin.end(ids.join('\n') + '\n');
  });
}

/**
 * The *.yaml / *.yml files under `folder` (relative to `cwd`) at `commit`, paths relative
 * to `cwd`. A folder that did not exist at that commit gives no files (every domain is new).
 */
export async function readManifestFilesAtCommit(commit: string, folder: string, cwd: string): Promise<ManifestFile[]> {
  const listing = (await git(['ls-tree', '-r', '-z', commit, '--', folder === '' ? '.' : folder], cwd)).toString('utf8');
  const entries = listing
    .split('\0')
    .filter((line) => line !== '')
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode, type, id] = line.slice(0, tab).split(' ');
      return { mode, type, id: id!, path: line.slice(tab + 1) };
    })
    // Regular files only: a symlink's blob is its target's name, not a manifest.
    .filter((e) => e.type === 'blob' && e.mode !== '120000' && /\.ya?ml$/i.test(e.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (entries.length === 0) return [];
  const blobs = await readBlobs(entries.map((e) => e.id), cwd);
  return entries.map((e, i) => ({ path: e.path, text: blobs[i]!.toString('utf8') }));
}

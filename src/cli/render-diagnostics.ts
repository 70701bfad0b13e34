/** Diagnostics → text for people, JSON for tools (MANIFEST.md's shape), or GitHub annotations. */
import { compareDiagnostics, type Diagnostic } from '../manifest/diagnostics.js';
import { style, type Style } from './style.js';

export type DiagnosticFormat = 'text' | 'json' | 'github';

/** A diagnostic of any command: MANIFEST.md's codes, or a command's own (e.g. `chinook diff`'s). */
export type RenderableDiagnostic = Omit<Diagnostic, 'code'> & { readonly code: string };

export interface RenderOptions {
  readonly color: boolean;
}

/** A file of OUT that is not what `chinook generate` would write (`generate --check`). */
export interface StaleFile {
  /** Relative to the current directory, `/`-separated. */
  readonly file: string;
  readonly reason: 'differs' | 'missing' | 'extra';
}

export function renderDiagnostics(
  diagnostics: readonly RenderableDiagnostic[],
  format: DiagnosticFormat,
  sources: ReadonlyMap<string, string>,
  options: RenderOptions,
): string {
  const sorted = [...diagnostics].sort(compareDiagnostics);
  switch (format) {
    case 'json':
      return renderJson(sorted);
    case 'github':
      return sorted.map(renderGithub).join('');
    case 'text':
      return renderText(sorted, sources, options);
  }
}

/** `{ ok, errors, warnings }`; each entry is the diagnostic minus its severity (sorted). */
export function toJsonResult(diagnostics: readonly RenderableDiagnostic[]): { ok: boolean; errors: Omit<RenderableDiagnostic, 'severity'>[]; warnings: Omit<RenderableDiagnostic, 'severity'>[] } {
  const sorted = [...diagnostics].sort(compareDiagnostics);
  const strip = ({ severity: _severity, ...rest }: RenderableDiagnostic): Omit<RenderableDiagnostic, 'severity'> => rest;
  const errors = sorted.filter((d) => d.severity === 'error').map(strip);
  const warnings = sorted.filter((d) => d.severity === 'warning').map(strip);
  return { ok: errors.length === 0, errors, warnings };
}

/** `{ ok, errors, warnings }` (and `stale` for --check: then `ok` is false when any file is stale). */
function renderJson(diagnostics: readonly RenderableDiagnostic[], stale?: readonly StaleFile[]): string {
  const { ok, errors, warnings } = toJsonResult(diagnostics);
  if (stale === undefined) return JSON.stringify({ ok, errors, warnings }, null, 2) + '\n';
  return JSON.stringify({ ok: ok && stale.length === 0, stale, errors, warnings }, null, 2) + '\n';
}

/**
 * The result of `generate --check` in a machine format (CLI.md): JSON gains `stale` (and
 * `ok` is false when any file is stale), GitHub one `::error file=…::` line per stale file.
 * Text is the CLI's own (a list on stderr).
 */
export function renderCheckResult(stale: readonly StaleFile[], diagnostics: readonly RenderableDiagnostic[], format: 'json' | 'github'): string {
  if (format === 'json') return renderJson(diagnostics, stale);
  const lines = stale.map(({ file, reason }) => {
    const what = reason === 'extra' ? 'carries the generated header but generate would remove it' : reason === 'missing' ? 'is missing' : 'differs from what generate writes';
    return `::error file=${escapeProperty(file)}::${escapeData(`stale generated file (${reason}): ${file} ${what}; run \`chinook generate\``)}\n`;
  });
  return [...diagnostics].sort(compareDiagnostics).map(renderGithub).join('') + lines.join('');
}

// GitHub workflow commands: data escapes %, CR, LF; properties also `:` and `,`.
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * Exactly CLI.md's form, `::error file=…,line=…,col=…::message`: no further properties
 * (endColumn, title), so that scripts matching that form keep working. The code leads the message.
 */
function renderGithub(d: RenderableDiagnostic): string {
  const props = [`file=${escapeProperty(d.file)}`];
  if (d.line !== undefined) props.push(`line=${d.line}`);
  if (d.column !== undefined) props.push(`col=${d.column}`);
  const message = `${d.code}: ${d.message}${d.hint === undefined ? '' : `\n${d.hint}`}`;
  return `::${d.severity} ${props.join(',')}::${escapeData(message)}\n`;
}

function renderText(diagnostics: readonly RenderableDiagnostic[], sources: ReadonlyMap<string, string>, { color }: RenderOptions): string {
  const paint = (name: Style, text: string): string => (color ? style(name, text) : text);
  const lineCache = new Map<string, string[]>();
  const blocks: string[] = [];
  for (const d of diagnostics) {
    const where = d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`;
    const severity = d.severity === 'error' ? paint('red', paint('bold', 'error')) : paint('yellow', paint('bold', 'warning'));
    const out = [`${paint('bold', where)}: ${severity}[${d.code}]: ${d.message}`];
    const text = sources.get(d.file);
    if (text !== undefined && d.line !== undefined) {
      let lines = lineCache.get(d.file);
      if (!lines) {
        lines = text.split(/\r?\n/);
        lineCache.set(d.file, lines);
      }
      const source = lines[d.line - 1];
      if (source !== undefined) {
        const gutter = String(d.line);
        const pad = ' '.repeat(gutter.length);
        const column = Math.max(1, d.column ?? 1);
        const width = d.endColumn !== undefined && d.endColumn > column ? d.endColumn - column : 1;
        // Tabs keep their width in the caret line so the caret stays under the token.
        const lead = source.slice(0, column - 1).replace(/[^\t]/g, ' ');
        out.push(`${paint('cyan', `${pad} |`)}`);
        out.push(`${paint('cyan', `${gutter} |`)} ${source}`);
        out.push(`${paint('cyan', `${pad} |`)} ${lead}${paint(d.severity === 'error' ? 'red' : 'yellow', '^'.repeat(width))}`);
      }
    }
    if (d.hint !== undefined) out.push(`  ${paint('cyan', '= hint:')} ${d.hint}`);
    blocks.push(out.join('\n'));
  }
  if (blocks.length === 0) return '';
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const files = new Set(diagnostics.map((d) => d.file)).size;
  const summary = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`;
  return `${blocks.join('\n\n')}\n\n${paint('bold', summary)}\n`;
}

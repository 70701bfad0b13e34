/**
 * `chinook diff`'s result for people (text), tools (json) and GitHub (workflow annotations).
 * Its verdicts become diagnostics so that the three forms share validate's renderer:
 * each change that breaks a direction is a `breaking-change` warning at the change, and
 * each rule the manifests break (`breaking-without-bump`, `removed-with-dependants`,
 * `version-lowered`) is an error.
 */
import type { Span } from '../manifest/diagnostics.js';
import type { ChangeLocator } from '../model/locate-change.js';
import type { DomainDiff, ManifestChange, SystemDiff } from '../model/system-diff.js';
import { renderDiagnostics, toJsonResult, type DiagnosticFormat, type RenderableDiagnostic } from './render-diagnostics.js';

export interface LocatedChange extends ManifestChange {
  readonly where: Span;
}

export interface LocatedDomain extends Omit<DomainDiff, 'changes'> {
  readonly changes: readonly LocatedChange[];
}

export interface DiffReport {
  /** What the manifests were compared with, as given (`main`, `../old-schemas`). */
  readonly against: string;
  readonly domains: readonly LocatedDomain[];
  readonly diagnostics: readonly RenderableDiagnostic[];
  readonly ok: boolean;
}

const verdictText = (v: 'ok' | 'breaks'): string => (v === 'ok' ? 'ok' : 'BREAK');

/** Positions for every change and problem; each breaking change and each problem as a diagnostic. */
export function locateDiff(diff: SystemDiff, against: string, locators: { readonly new: ChangeLocator; readonly old: ChangeLocator }): DiffReport {
  const diagnostics: RenderableDiagnostic[] = [];
  const domains = diff.domains.map((domain): LocatedDomain => {
    const locate = (path: readonly string[]): Span => locators[domain.side](domain.file, domain.domain, path, domain.location);
    const changes = domain.changes.map((change): LocatedChange => ({ ...change, where: change.at ?? locate(change.path) }));
    for (const change of changes) {
      if (change.oldReadsNew === 'ok' && change.newReadsOld === 'ok') continue;
      diagnostics.push({
        code: 'breaking-change',
        severity: 'warning',
        message: `\`${domain.domain}\`${change.instancePath === '/' ? '' : ` at ${change.instancePath}`}: ${change.message} (old readers of new states: ${verdictText(change.oldReadsNew)}; new readers of old states: ${verdictText(change.newReadsOld)})`,
        ...change.where,
        domain: domain.domain,
      });
    }
    for (const problem of domain.problems) {
      diagnostics.push({ code: problem.code, severity: 'error', message: problem.message, ...locate(problem.path), hint: problem.hint, domain: domain.domain });
    }
    return { ...domain, changes };
  });
  return { against, domains, diagnostics, ok: diff.ok };
}

export function renderDiff(report: DiffReport, format: DiagnosticFormat, sources: ReadonlyMap<string, string>, color: boolean): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'github':
      return renderDiagnostics(report.diagnostics, 'github', sources, { color: false });
    case 'text':
      return renderText(report, sources, color);
  }
}

function renderJson(report: DiffReport): string {
  const domains = report.domains.map((d) => ({
    domain: d.domain,
    verdict: d.verdict,
    ...(d.oldVersion === undefined ? {} : { oldVersion: d.oldVersion }),
    ...(d.newVersion === undefined ? {} : { newVersion: d.newVersion }),
    file: d.file,
    changes: d.changes.map(({ where, at: _at, path: _path, ...change }) => ({ ...change, file: where.file, line: where.line, column: where.column })),
  }));
  return JSON.stringify({ ...toJsonResult(report.diagnostics), against: report.against, domains }, null, 2) + '\n';
}

function describeDomain(d: LocatedDomain, against: string): string {
  const where = d.side === 'old' ? `${d.file} at ${against}` : d.file;
  const breaks = d.changes.some((c) => c.oldReadsNew !== 'ok' || c.newReadsOld !== 'ok');
  const verdict = ((): string => {
    switch (d.verdict) {
      case 'added':
        return `added, version ${d.newVersion}`;
      case 'removed':
        return `removed (was version ${d.oldVersion})`;
      case 'bumped':
        return `version ${d.oldVersion} → ${d.newVersion}${breaks ? ', covering its breaking changes' : ''}`;
      case 'breaking':
        return d.problems.some((p) => p.code === 'version-lowered') ? `version lowered ${d.oldVersion} → ${d.newVersion}` : `BREAKING without a version bump (version ${d.newVersion})`;
      case 'compatible':
        return `compatible both ways, version ${d.newVersion} kept`;
      case 'unchanged':
        return 'unchanged';
    }
  })();
  return `${d.domain} (${where}): ${verdict}`;
}

function renderText(report: DiffReport, sources: ReadonlyMap<string, string>, color: boolean): string {
  const blocks: string[] = [];
  const unchanged = report.domains.filter((d) => d.verdict === 'unchanged').map((d) => d.domain);
  for (const d of report.domains) {
    if (d.verdict === 'unchanged') continue;
    const lines = [describeDomain(d, report.against)];
    for (const c of d.changes) {
      const place = c.instancePath === '/' ? '' : ` at ${c.instancePath}`;
      lines.push(`  ${c.where.file}:${c.where.line}:${c.where.column}: ${c.kind}: ${c.message}${place}`);
      if (c.oldReadsNew !== 'ok' || c.newReadsOld !== 'ok') lines.push(`      old readers of new states: ${verdictText(c.oldReadsNew)}; new readers of old states: ${verdictText(c.newReadsOld)}`);
    }
    blocks.push(lines.join('\n'));
  }
  if (unchanged.length > 0) blocks.push(`unchanged: ${unchanged.join(', ')}`);
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) blocks.push(renderDiagnostics(errors, 'text', sources, { color }).trimEnd());
  const changed = report.domains.length - unchanged.length;
  blocks.push(report.ok
    ? `ok against ${report.against}: ${changed} domain${changed === 1 ? '' : 's'} changed, every change compatible or covered by a version bump`
    : `not ok against ${report.against}: ${errors.length} problem${errors.length === 1 ? '' : 's'}`);
  return blocks.join('\n\n') + '\n';
}

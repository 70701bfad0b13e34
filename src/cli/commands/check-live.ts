import { randomBytes } from 'node:crypto';
import type { Command, CliContext } from '../command.js';
import { CliError, UsageError } from '../cli-error.js';
import { loadConfig } from '../config.js';
import { ExitCode } from '../exit-codes.js';
import { loadSystemFromDir } from '../load-system.js';
import { oneOf, optionalFolder, parseCommand } from '../parse-args.js';
import { readRetained } from '../read-retained.js';
import { renderDiagnostics } from '../render-diagnostics.js';
import { showUrl } from '../run/run-console.js';
import { BusError } from '../../bus/bus.js';
import { createBus } from '../../bus/create-bus.js';
import { defaultPrefix } from '../../runtime/envelope.js';
import { externalIdentities } from '../run/credentials.js';
import { createStateSchemaCompiler } from '../../manifest/compile-state-schema.js';
import type { SystemModel } from '../../model/types.js';
import { toValidationIssues, type CompiledValidatorError } from '../../runtime/ajv-runtime.js';
import type { DomainSpec, RejectReason } from '../../runtime/contract.js';
import { decodeEnvelope } from '../../runtime/envelope.js';
import { allStates, stateTopic, stateTopicPrefix } from '../../shared/topics.js';

const usage = 'usage: chinook check-live --broker URL [DIR] [--timeout MS] [--format text|json]';

const help = `${usage}

Read the retained state of every domain on a live bus and check each as the current code
(these manifests) would receive it: protocol, owner, \`version\`, and the state against the
domain's schema. Run it before deploying new code: it lists every retained state that the
new services would reject, and why. It connects as a pure observer: no will, no status,
nothing published, no broker setting changed.

  --broker URL    mqtt://…, mqtts://…, redis://…, rediss://…, nats://… (default: $CHINOOK_BROKER, config \`broker\`)
  DIR             manifest folder (default: \`manifests\` of chinook.config.yaml, else \`schemas\`)
  --timeout MS    give up connecting and reading after this long (default 5000); on MQTT a
                  domain with no retained state at all is only known missing at the timeout
  --format FMT    text (default) or json
  -h, --help      show this help

exit codes: 0 every retained state would be accepted (a domain with none is listed, not an error),
1 some would be rejected (or the manifests are invalid), 2 usage error or the bus unreachable`;

export interface LiveCheck {
  readonly domain: string;
  readonly topic: string;
  readonly result: 'ok' | 'rejected' | 'missing';
  readonly reason?: RejectReason;
  readonly detail?: string;
  readonly version?: number;
  readonly seq?: number;
  readonly time?: string;
}

const HINTS: Partial<Record<RejectReason, string>> = {
  'wrong-version': 'applied again once its owner, on the new code, publishes (docs/protocol.md, "Versions and rolling upgrades")',
  'schema-invalid': 'the retained state fails the new schema: make the change compatible (`chinook diff`) or bump `version`',
  'foreign-owner': 'the domain changed owner: the new owner must publish before readers on the new code can use it',
  'unknown-domain': 'no longer in the system: `chinook prune` clears it',
};

function specsOf(model: SystemModel, prefix: string): Record<string, DomainSpec> {
  const compiler = createStateSchemaCompiler();
  return Object.fromEntries(model.domains.map((d) => {
    const { validate } = compiler.compile(d.state);
    const spec: DomainSpec = {
      name: d.name,
      owner: d.owner,
      version: d.version,
      topic: stateTopic(prefix, d.name),
      is: (value: unknown): value is unknown => validate(value) === true,
      explain: (value) => (validate(value) ? [] : toValidationIssues(validate.errors as readonly CompiledValidatorError[] | null | undefined)),
    };
    return [d.name, spec];
  }));
}

/** Each domain of the system, and each other domain found on the bus, checked as a receiver on the current code would. */
export function checkRetained(specs: Readonly<Record<string, DomainSpec>>, prefix: string, messages: ReadonlyMap<string, Buffer>): LiveCheck[] {
  const statePrefix = stateTopicPrefix(prefix);
  const names = new Set(Object.keys(specs));
  for (const topic of messages.keys()) if (topic.startsWith(statePrefix)) names.add(topic.slice(statePrefix.length));
  return [...names].sort().map((domain): LiveCheck => {
    const topic = statePrefix + domain;
    const payload = messages.get(topic);
    if (payload === undefined || payload.length === 0) return { domain, topic, result: 'missing' };
    const spec = specs[domain];
    const decoded = decodeEnvelope(payload, domain, spec && { spec, epoch: -1, seq: 0 });
    if (!decoded.ok) return { domain, topic, result: 'rejected', reason: decoded.reason, detail: decoded.detail };
    const { version, seq, time } = decoded.envelope;
    return { domain, topic, result: 'ok', version, seq, time };
  });
}

function renderText(checks: readonly LiveCheck[], where: string): string {
  const width = Math.max(...checks.map((c) => c.domain.length));
  const lines = checks.map((c) => {
    const name = c.domain.padEnd(width);
    if (c.result === 'ok') return `  ok        ${name}  version ${c.version}, seq ${c.seq}, published ${c.time}`;
    if (c.result === 'missing') return `  missing   ${name}  no retained state (not published yet, or cleared)`;
    const hint = HINTS[c.reason!];
    return `  REJECTED  ${name}  ${c.reason}: ${c.detail}${hint === undefined ? '' : `\n  ${' '.repeat(10 + width)}  → ${hint}`}`;
  });
  const rejected = checks.filter((c) => c.result === 'rejected').length;
  const read = checks.filter((c) => c.result !== 'missing').length;
  const summary = rejected === 0
    ? `every retained state (${read}) would be accepted by the current code`
    : `${rejected} of ${read} retained state${read === 1 ? '' : 's'} would be rejected by the current code`;
  return `${where}\n${lines.join('\n')}\n${summary}\n`;
}

/** Connects as an observer and reads every retained state under the prefix, within the timeout. */
async function readBus(url: string, prefix: string, expected: readonly string[], timeoutMs: number): Promise<Map<string, Buffer>> {
  const bus = createBus(url, { clientId: `chinook-check-live-${randomBytes(4).toString('hex')}`, observer: true, connectTimeoutMs: timeoutMs, reconnectPeriodMs: 1_000 });
  try {
    await bus.connect();
    const read = await readRetained(bus, { pattern: allStates(prefix), expected, timeoutMs });
    return new Map(read.messages);
  } finally {
    await bus.close().catch(() => undefined);
  }
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 5_000;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 600_000) throw new UsageError(`--timeout must be a whole number of milliseconds from 1 to 600000 (got \`${value}\`)`, usage);
  return Number(value);
}

/** Removes a URL's password from any text (a bus error may quote the URL). */
function withoutPassword(text: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return text;
  }
  if (password === '') return text;
  return text.split(password).join('***').split(decodeURIComponent(password)).join('***');
}

async function settingsOf(argv: readonly string[], ctx: CliContext): Promise<{ url: string; dir: string; timeoutMs: number; format: 'text' | 'json'; system: string; prefix: string } | undefined> {
  const parsed = parseCommand(argv, ctx, { broker: { type: 'string' }, timeout: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, usage, help);
  if (parsed === undefined) return undefined;
  const { values, positionals } = parsed;
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text', usage);
  const timeoutMs = parseTimeout(values.timeout);
  const folder = optionalFolder(positionals, usage);
  const config = await loadConfig(ctx.cwd);
  const url = values.broker ?? ctx.env['CHINOOK_BROKER'] ?? config.broker;
  if (url === undefined || url === '') throw new UsageError('--broker URL is required (or CHINOOK_BROKER, or `broker` in chinook.config.yaml)', usage);
  if (!/^(mqtts?|rediss?|nats):\/\/./i.test(url)) throw new UsageError(`unsupported bus URL \`${showUrl(url)}\`: use mqtt://, mqtts://, redis://, rediss:// or nats://`, usage);
  // As the `observer` identity when credentials are set up (docs/security.md): it only reads.
  const observerUrl = await externalIdentities(url, ctx.env, ctx.env['CHINOOK_SECRETS'] || config.secrets, ctx.cwd).consoleUrl();
  return { url: observerUrl, dir: folder ?? config.manifests, timeoutMs, format, system: config.system, prefix: config.prefix ?? defaultPrefix(config.system) };
}

export const checkLiveCommand: Command = {
  summary: 'check the retained states on a live bus against the current manifests (exit 1 if any would be rejected)',
  usage,
  async run(argv, ctx) {
    const settings = await settingsOf(argv, ctx);
    if (settings === undefined) return ExitCode.ok;
    const { url, prefix } = settings;
    const loaded = await loadSystemFromDir(settings.dir, { cwd: ctx.cwd, system: settings.system });
    if (loaded.model === undefined) {
      ctx.stderr.write(renderDiagnostics(loaded.diagnostics, 'text', loaded.sources, { color: ctx.color }));
      return ExitCode.failure;
    }
    const specs = specsOf(loaded.model, prefix);
    let messages: Map<string, Buffer>;
    try {
      messages = await readBus(url, prefix, Object.values(specs).map((s) => s.topic), settings.timeoutMs);
    } catch (error) {
      if (!(error instanceof BusError)) throw error;
      throw new CliError(`cannot read the bus at ${showUrl(url)}: ${withoutPassword(error.message, url)}`, ExitCode.usage);
    }
    const checks = checkRetained(specs, prefix, messages);
    const ok = checks.every((c) => c.result !== 'rejected');
    if (settings.format === 'json') ctx.stdout.write(JSON.stringify({ ok, bus: showUrl(url), prefix, domains: checks }, null, 2) + '\n');
    else ctx.stdout.write(renderText(checks, `${prefix} on ${showUrl(url)}:`));
    return ok ? ExitCode.ok : ExitCode.failure;
  },
};

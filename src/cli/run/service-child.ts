/**
 * A service process, as `chinook run` starts one per service: it reads its job from the
 * environment (service-job.ts; the broker URL in CHINOOK_BROKER), loads the compiled generated
 * code and handler and runs the service until SIGINT/SIGTERM. It imports only the bus, the
 * runtime and what run-services.ts needs: no argument parsing, config, YAML, console or
 * toolchain, so it starts fast and stays small. Errors are printed as `chinook run` prints them.
 */
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { loadProject } from './load-project.js';
import { renameSystem, runInProcess } from './run-services.js';
import { JOB_VARIABLE, type ServiceJob } from './service-job.js';

async function runJob(env: NodeJS.ProcessEnv): Promise<ExitCode> {
  const text = env[JOB_VARIABLE];
  const url = env['CHINOOK_BROKER'];
  if (text === undefined || url === undefined) {
    throw new CliError(`this is a service process of \`chinook run\`: ${JOB_VARIABLE} and CHINOOK_BROKER must be set`, ExitCode.usage);
  }
  const job = JSON.parse(text) as ServiceJob;
  const compiled = { generated: job.generated, handlers: job.handler !== undefined ? { [job.service]: job.handler } : {} };
  const loaded = await loadProject(compiled, job.out);
  const project = { ...loaded, system: renameSystem(loaded.system, job.system) };
  const settings = { ...job, system: job.system, broker: url, port: 0 };
  return runInProcess({ project, compiled, handlers: job.handlers, names: [job.service], serviceUrl: async () => url, settings });
}

try {
  process.exitCode = await runJob(process.env);
} catch (error) {
  const known = error instanceof CliError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`chinook run: ${known ? '' : 'unexpected error: '}${message}\n`);
  if (known && error.detail) process.stderr.write(`${error.detail}\n`);
  process.exitCode = known ? error.exitCode : ExitCode.failure;
}

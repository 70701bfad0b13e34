/** `chinook inspect` as a child process, as a user starts it beside a running system. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BIN, ROOT } from '../manifest/run-cli.js';

export interface InspectChild {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:port/` as it printed it. */
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts `chinook inspect --broker <busUrl> --port 0 <args>` in the repository and waits for its URL. */
export async function startInspect(busUrl: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<InspectChild> {
  const child = spawn(process.execPath, [BIN, 'inspect', '--broker', busUrl, '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const onExit = (): void => void child.kill('SIGKILL');
  process.once('exit', onExit);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chinook inspect printed no URL within 60 s:\n${output}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output += line + '\n';
      const m = /^chinook inspect: (http:\/\/\S+) /.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chinook inspect exited (${code}) before serving:\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

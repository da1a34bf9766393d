import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A `tessera serve` process started by serveProcess. */
export interface ServeProcess {
  child: ChildProcess;
  /** The port it listens on (from its start line). */
  port: number;
  /** `http://127.0.0.1:<port>/api/data/v9.2/` */
  root: string;
  /** Its log lines so far (stdout). */
  lines: string[];
  /** The first log line matching `pattern`, waiting for it at most `seconds` (then throwing, so that the server is stopped). */
  logged(pattern: RegExp, seconds?: number): Promise<string>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop(): Promise<number | null>;
}

/**
 * Starts `tessera serve --port 0 <args>` (the built CLI) as a user would, its stdout read line by
 * line; resolves once it logs where it listens. Its stderr is the test run's.
 */
export async function serveProcess(...args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'src', 'cli.js'), 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) w();
  });
  const logged = async (pattern: RegExp, seconds = 20): Promise<string> => {
    const until = Date.now() + seconds * 1000;
    for (;;) {
      const found = lines.find((l) => pattern.test(l));
      if (found) return found;
      if (Date.now() > until) throw new Error(`no log line matched ${pattern} within ${seconds} s; the lines: ${lines.join('\n')}`);
      await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 500); });
    }
  };
  const stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  let port: number;
  try {
    port = Number(/http:\/\/localhost:(\d+)\//.exec(await logged(/Tessera serving/))![1]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { child, port, root: `http://127.0.0.1:${port}/api/data/v9.2/`, lines, logged, exited, stop };
}

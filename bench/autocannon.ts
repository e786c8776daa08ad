import { spawn } from 'node:child_process';

/** What autocannon's `--json` reports, as far as the benchmarks read it. */
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  non2xx: number;
}

/**
 * POSTs `body` to `url` for `durationSeconds` over `connections` connections, with autocannon in a process of its own
 * so the load generator does not steal the server's event loop.
 */
export function autocannon(options: {
  url: string;
  headers: Record<string, string>;
  body: string;
  durationSeconds: string | number;
  connections: string | number;
}): Promise<AutocannonResult> {
  const args = ['-m', 'POST', '-d', String(options.durationSeconds), '-c', String(options.connections), '-b', options.body, '--json'];
  for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name}=${value}`);
  args.push(options.url);
  return new Promise((resolve, reject) => {
    const child = spawn(new URL('../node_modules/.bin/autocannon', import.meta.url).pathname, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(output)) : reject(new Error(`autocannon exited ${code}`))));
  });
}

/**
 * Where a warm or cold start of the embedded hub goes: importing the code, then startHub (open PGlite, migrate, seed
 * when empty, listen). Usage: node --import tsx bench/startup-phases.ts <data dir>   (run twice: cold, then warm)
 */
const t0 = performance.now();
const { startHub } = await import('../gateway/hub.ts');
const t1 = performance.now();
const { silentLogger } = await import('../lib/logger.ts');
const hub = await startHub({ database: { kind: 'pglite', dataDir: process.argv[2] }, jwtSecret: 'x', identitySecret: 'y', port: 0, seed: { scale: 1 }, logger: silentLogger });
const t2 = performance.now();
console.log(JSON.stringify({ importMs: Math.round(t1 - t0), hubMs: Math.round(t2 - t1), sinceProcessStartMs: Math.round(performance.now()) }));
await hub.stop();

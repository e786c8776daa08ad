import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { Redis } from 'ioredis';

/**
 * Deletes a test's stream from a shared Redis with the keys the bus keeps beside it (`<stream>:replay`, `:heads`,
 * `:floors`, `:owner:<group>`…), so test runs leave nothing in the machine's Redis. Stream names in tests end in a
 * random suffix, so the pattern matches only this test's keys.
 */
export async function discardTestStream(url: string, stream: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const keys = [stream];
    for await (const found of redis.scanStream({ match: `${stream}:*`, count: 500 })) keys.push(...(found as string[]));
    await redis.unlink(...keys);
  } finally {
    redis.disconnect();
  }
}

/**
 * Fresh stream names on a shared Redis (a new group starts from the beginning of its stream, as in production), all
 * deleted once the calling file's (or suite's) tests are done.
 */
export function freshTestStreams(url: string): () => string {
  const streams: string[] = [];
  after(async () => {
    for (const stream of streams) await discardTestStream(url, stream);
  });
  return () => {
    const stream = `psgraph:test:${randomUUID()}`;
    streams.push(stream);
    return stream;
  };
}

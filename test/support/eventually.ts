/**
 * Retries `check` until it stops throwing: for effects that travel over the event bus (in-process they are
 * immediate once the relay runs; on Redis they arrive a moment later). Not a speed assertion: the bound is generous.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

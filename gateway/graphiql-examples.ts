import { readFile } from 'node:fs/promises';

/** One of the README's example operations, as the IDE offers it. */
export interface IdeExample {
  /** Its first comment line (`# a manager's approval queue: …`), or the first line of the operation. */
  readonly title: string;
  /** The operation, its comment lines kept: they say what it shows and which subgraphs it crosses. */
  readonly query: string;
}

/**
 * The README's ```graphql blocks, one example per operation: a block holding several (each under its own `# …` line)
 * is split as test/gateway/readme-examples.test.ts splits it, so the IDE offers exactly the examples that test runs.
 */
export function examplesOf(markdown: string): IdeExample[] {
  return [...markdown.matchAll(/```graphql\n([\s\S]*?)```/g)]
    .flatMap((match) => match[1].split(/\n(?=# )/))
    .map((block) => block.trim())
    .filter((block) => block.replace(/^#.*$/gm, '').trim() !== '')
    .map((query) => {
      const comment = /^#\s*(.+)$/m.exec(query)?.[1];
      const firstLine = query.split('\n').find((line) => !line.startsWith('#'))!.trim();
      return { title: (comment ?? firstLine).slice(0, 120), query: `${query}\n` };
    });
}

/** The examples of the README at `path`; none when it is absent (an image that does not ship the README). */
export async function readmeExamples(path: URL | string): Promise<IdeExample[]> {
  try {
    return examplesOf(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

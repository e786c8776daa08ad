import { get } from 'node:http';

/**
 * Reads one streamed export as a BI client does, consuming the body as it comes, and counts its rows (CSV has a
 * header line; quoted notes may hold line breaks, the seed's hold none). Shared by `bench:export` and
 * `bench:month-end`. Plain `node:http` and `indexOf`, not fetch's web streams and a loop over every byte: the reader
 * shares the process (and its one thread) with the server it measures.
 */
export function readExport(hubUrl: string, token: string, format: string, params = new URLSearchParams()): Promise<{ rows: number; bytes: number }> {
  const url = `${hubUrl.replace('/graphql', `/exports/time-entries.${format}`)}?${params}`;
  return new Promise((resolve, reject) => {
    get(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => reject(new Error(`${format}: status ${response.statusCode} ${text}`)));
        return;
      }
      let newlines = 0;
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines++;
      });
      response.on('end', () => resolve({ rows: format === 'csv' ? newlines - 1 : newlines, bytes }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

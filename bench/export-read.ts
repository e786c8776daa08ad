/**
 * Reads one streamed export as a BI client does, consuming the body as it comes, and counts its rows (CSV has a
 * header line; quoted notes may hold line breaks, the seed's hold none). Shared by `bench:export` and
 * `bench:month-end`.
 */
export async function readExport(hubUrl: string, token: string, format: string, params = new URLSearchParams()): Promise<{ rows: number; bytes: number }> {
  const response = await fetch(`${hubUrl.replace('/graphql', `/exports/time-entries.${format}`)}?${params}`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`${format}: status ${response.status} ${await response.text()}`);
  let newlines = 0;
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    // indexOf, not a loop over every byte: the reader shares the process (and its one thread) with the server.
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines++;
  }
  return { rows: format === 'csv' ? newlines - 1 : newlines, bytes };
}

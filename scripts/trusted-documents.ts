/**
 * Writes the trusted-document manifest of an app's operations (README "Trusted documents"):
 * `npm run trusted-documents -- app/operations/*.graphql > trusted-documents.json`, then TRUSTED_DOCUMENTS=trusted-documents.json
 * at the gateway. Apollo's persisted query manifest format; every operation named, with the fragments it uses.
 */
import { readFileSync } from 'node:fs';
import { persistedQueryManifest } from '../gateway/trusted-documents.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run trusted-documents -- <file.graphql>... > trusted-documents.json');
  process.exit(1);
}
const manifest = persistedQueryManifest(files.map((file) => readFileSync(file, 'utf8')));
console.log(JSON.stringify(manifest, null, 2));
console.error(`${manifest.operations.length} operations from ${files.length} files`);

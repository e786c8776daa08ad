/**
 * Run by `npm run build` on the freshly compiled tree: writes each subgraph's schema artefact
 * (lib/graphql/prebuilt-subgraph-schema.ts) into schema/prebuilt/ beside the compiled code, so a compiled start skips
 * federation's validation of SDL that has not changed since it was built.
 */
import { readFileSync } from 'node:fs';
import { subgraphNames } from '../lib/config.ts';
import { writePrebuiltSubgraphSchemas } from '../lib/graphql/prebuilt-subgraph-schema.ts';

writePrebuiltSubgraphSchemas(subgraphNames.map((name) => readFileSync(new URL(`../schema/${name}.graphql`, import.meta.url), 'utf8')));

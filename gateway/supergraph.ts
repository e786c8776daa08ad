import { readFileSync } from 'node:fs';

/** The committed, composed supergraph (`npm run compose` writes it); the gateway never composes at start-up. */
export const supergraphSdl = () => readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8');

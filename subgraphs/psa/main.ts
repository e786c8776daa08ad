import { runSubgraphProcess } from '../../lib/run-subgraph.ts';
import { psaSubgraph } from './index.ts';

await runSubgraphProcess(psaSubgraph);

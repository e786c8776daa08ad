import { runSubgraphProcess } from '../../lib/run-subgraph.ts';
import { crmSubgraph } from './index.ts';

await runSubgraphProcess(crmSubgraph);

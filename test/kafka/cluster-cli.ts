// The cluster commands with the test-only stage kinds added to the catalogue, for tests that run
// `pipeline stage` / `pipeline scale` as child processes (`node --import tsx test/kafka/cluster-cli.ts stage check ...`).
import { Command } from 'commander';
import { catalogue } from '../../pipeline/catalogue.js';
import { registerClusterCommands } from '../../pipeline/cli-cluster.js';
import { loadPipelineFile, resolvePipeline, type PipelineSpecInput } from '../../pipeline/definition.js';
import { checkTemp, collect, numberedSource } from '../support/engine.js';

const program = new Command('pipeline');
registerClusterCommands(program, {
  loadDefinition: async (file) => {
    if (!file) throw new Error('the test CLI needs --definition');
    return (await loadPipelineFile(file)) as PipelineSpecInput;
  },
  resolveDefinition: (spec) => resolvePipeline(spec, catalogue([numberedSource, checkTemp, collect])),
});
program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`pipeline: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

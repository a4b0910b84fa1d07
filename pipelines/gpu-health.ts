import type { PipelineSpecInput } from '../pipeline/definition.js';

/**
 * The GPU health pipeline. Topics read `gpu.<what>.<state>`; every durable topic is written to PostgreSQL
 * by the sink. Later stages (window, feature, score, detect, predict, decide, alert) join this graph as
 * they land.
 */
const gpuHealth: PipelineSpecInput = {
  name: 'gpu-health',
  description: 'DCGM telemetry → validated, enriched samples → PostgreSQL',
  topics: {
    'gpu.samples.raw': { record: 'GpuSample', partitions: 6, key: 'gpu_uuid', description: 'One sample per GPU per scrape, as collected.' },
    'gpu.samples.valid': { record: 'GpuSample', partitions: 6, key: 'gpu_uuid', description: 'Samples that passed validation.' },
    'gpu.samples.enriched': { record: 'EnrichedGpuSample', partitions: 6, key: 'sample.gpu_uuid', description: 'Valid samples with asset metadata.' },
    'gpu.deadletter': { record: 'DeadLetter', partitions: 1, key: null, description: 'Records a stage could not handle, with the reason.' },
  },
  stages: {
    source: { kind: 'simulate', output: 'gpu.samples.raw', params: {} },
    validate: { kind: 'validate', input: 'gpu.samples.raw', output: 'gpu.samples.valid', dead_letter: 'gpu.deadletter' },
    enrich: { kind: 'enrich', input: 'gpu.samples.valid', output: 'gpu.samples.enriched', dead_letter: 'gpu.deadletter' },
    sink: { kind: 'sink', input: ['gpu.samples.enriched', 'gpu.deadletter'] },
  },
};

export default gpuHealth;

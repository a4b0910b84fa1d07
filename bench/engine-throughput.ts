/**
 * Records per second through the engine alone, in-process: a source, a per-record stage and a terminal
 * stage (two topic hops, Avro encode/decode at each), no database. This is the ceiling the stages' own
 * work sits on. Usage: npx tsx bench/engine-throughput.ts [records=100000] [runs=3]
 */
import { startPipeline } from '../pipeline/embedded.js';
import { linearPipeline, newCollector, quietLog, resolveTest } from '../test/support/engine.js';

const records = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 3);
const rates: number[] = [];
for (let run = 1; run <= runs; run++) {
  const collector = newCollector(0);
  const started = performance.now();
  const handle = await startPipeline({ pipeline: resolveTest(linearPipeline(records)), log: quietLog(), services: new Map([['collector', collector]]) });
  const progress = setInterval(() => process.stderr.write(`  run ${run}: ${collector.seen.length}/${records}\r`), 500);
  await handle.finished;
  clearInterval(progress);
  const seconds = (performance.now() - started) / 1000;
  await handle.stop();
  rates.push(records / seconds);
  process.stderr.write(`  run ${run}: ${records} records in ${seconds.toFixed(2)} s = ${(records / seconds).toFixed(0)} records/s\n`);
}
rates.sort((a, b) => a - b);
console.log(JSON.stringify({ bench: 'engine-throughput', records, runs, median_records_per_s: Math.round(rates[Math.floor(rates.length / 2)]), min: Math.round(rates[0]), max: Math.round(rates[rates.length - 1]) }));

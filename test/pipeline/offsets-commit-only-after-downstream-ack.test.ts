import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPipeline } from '../../pipeline/embedded.js';
import { InProcessTransport } from '../../pipeline/transport/in-process.js';
import type { Producer } from '../../pipeline/transport/types.js';
import { linearPipeline, newCollector, quietLog, resolveTest } from '../support/engine.js';

/** The real in-process transport, with acknowledgements of one topic held back until the gate opens. */
class GatedTransport extends InProcessTransport {
  private open = false;
  private waiting: (() => void)[] = [];
  constructor(private readonly gatedTopic: string) {
    super();
  }
  openGate(): void {
    this.open = true;
    for (const w of this.waiting.splice(0)) w();
  }
  override async producer(): Promise<Producer> {
    const inner = await super.producer();
    return {
      send: async (topic, records) => {
        await inner.send(topic, records);
        if (topic === this.gatedTopic && !this.open) await new Promise<void>((resolve) => this.waiting.push(resolve));
      },
      close: () => inner.close(),
    };
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test("a stage's input offsets are not committed until the records it derived are acknowledged", async () => {
  const transport = new GatedTransport('gpu.samples.valid');
  const collector = newCollector();
  const handle = await startPipeline({
    pipeline: resolveTest(linearPipeline(400)),
    log: quietLog(),
    transport,
    services: new Map([['collector', collector]]),
  });
  await settle();
  // The check stage has consumed records from gpu.samples.raw, but none of its outputs is acknowledged.
  assert.ok(sum(transport.endOffsets('gpu.samples.raw')) > 0);
  assert.equal(sum(transport.committedOffsets('test.check', 'gpu.samples.raw')), 0);
  assert.equal(handle.metrics.registry.getSingleMetric('pipeline_commits_total') !== undefined, true);

  transport.openGate();
  await handle.finished;
  assert.deepEqual(transport.committedOffsets('test.check', 'gpu.samples.raw'), transport.endOffsets('gpu.samples.raw'));
  assert.equal(collector.seen.length, 400);
  await handle.stop();
});

test('a terminal stage commits only what it has durably written', async () => {
  const transport = new InProcessTransport();
  const collector = newCollector(5);
  const handle = await startPipeline({
    pipeline: resolveTest(linearPipeline(200)),
    log: quietLog(),
    transport,
    services: new Map([['collector', collector]]),
    runner: { maxInFlight: 20 },
  });
  const observations: [number, number][] = [];
  const sub = collector.written$.subscribe(() => {
    observations.push([sum(transport.committedOffsets('test.collect', 'gpu.samples.valid')), collector.seen.length]);
  });
  await handle.finished;
  sub.unsubscribe();
  for (const [committed, written] of observations) assert.ok(committed <= written, `committed ${committed} > written ${written}`);
  assert.equal(sum(transport.committedOffsets('test.collect', 'gpu.samples.valid')), 200);
  await handle.stop();
});

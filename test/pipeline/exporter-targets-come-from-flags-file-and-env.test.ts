import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exporterTargets } from '../../pipeline/cli.js';

test('exporter URLs come from --source, a --source-file and DCGM_EXPORTER_URLS, each once', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'targets-')), 'targets.txt');
  writeFileSync(file, '# rack 1\nhttp://node-1:9400/metrics\n\nhttp://node-2:9400/metrics  # spare\nhttp://node-0:9400/metrics\n');
  const targets = await exporterTargets(
    { source: ['http://node-0:9400/metrics'], sourceFile: file },
    { DCGM_EXPORTER_URLS: 'http://node-3:9400/metrics, http://node-4:9400/metrics http://node-1:9400/metrics' },
  );
  assert.deepEqual(targets, [0, 1, 2, 3, 4].map((n) => `http://node-${n}:9400/metrics`));
  assert.deepEqual(await exporterTargets({}, {}), [], 'none given: the simulator runs');
});

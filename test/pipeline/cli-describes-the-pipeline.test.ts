import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const cli = new URL('../../dist/pipeline/cli.js', import.meta.url).pathname;
const pipeline = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test('`pipeline describe --json` prints the GPU health graph with every parameter and its default', () => {
  const result = pipeline('describe', '--json');
  assert.equal(result.status, 0, result.stderr);
  const description = JSON.parse(result.stdout) as {
    topics: { name: string; partitions: number }[];
    stages: { name: string; kind: string; inputs: string[]; output: string | null; params: { name: string; default: unknown; value: unknown }[] }[];
  };
  assert.ok(description.topics.some((t) => t.name === 'gpu.samples.raw'));
  const validate = description.stages.find((s) => s.kind === 'validate');
  assert.deepEqual(validate?.inputs, ['gpu.samples.raw']);
  const power = validate?.params.find((p) => p.name === 'power_over_tdp');
  assert.equal(power?.default, 1.5);
  assert.equal(power?.value, 1.5);
});

const yamlDefinition = (gpus: number) =>
  [
    'name: mine',
    'topics:',
    '  gpu.samples.raw: { record: GpuSample, partitions: 3 }',
    '  gpu.deadletter: { record: DeadLetter, partitions: 1, key: null }',
    'stages:',
    `  source: { kind: simulate, output: gpu.samples.raw, params: { gpus: ${gpus} } }`,
    '  sink: { kind: sink, input: [gpu.samples.raw, gpu.deadletter] }',
  ].join('\n');

test('a YAML definition is loaded, and its mistakes are reported by path with a non-zero exit', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'definition-')), 'mine.yaml');
  writeFileSync(file, yamlDefinition(0));
  const bad = pipeline('describe', '--definition', file);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /stages\.source\.params\.gpus: /);
  writeFileSync(file, yamlDefinition(16));
  const good = pipeline('describe', '--definition', file);
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /source \[simulate\] +\(source\) → gpu\.samples\.raw/);
});

test('every command has --help', () => {
  for (const command of ['run', 'describe', 'migrate']) {
    const result = pipeline(command, '--help');
    assert.equal(result.status, 0, `${command}: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`Usage: pipeline ${command}`));
  }
});

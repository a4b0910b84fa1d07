import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DefinitionError } from '../../pipeline/definition.js';
import { linearPipeline, resolveTest } from '../support/engine.js';

function problemsOf(spec: unknown): readonly string[] {
  try {
    resolveTest(spec as never);
  } catch (error) {
    assert.ok(error instanceof DefinitionError, `expected DefinitionError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('the definition was accepted');
}

test('a valid definition resolves with defaults filled in', () => {
  const p = resolveTest(linearPipeline(10));
  assert.equal(p.stages.get('check')!.deadLetter, 'gpu.deadletter');
  assert.deepEqual(p.stages.get('source')!.params, { count: 10, gpus: 8 });
  assert.equal(p.topics.get('gpu.samples.raw')!.key, 'gpu_uuid');
});

test('a bad stage parameter is reported at stages.<name>.params.<field>', () => {
  const spec = linearPipeline(10);
  (spec.stages.source.params as Record<string, unknown>).count = -3;
  const problems = problemsOf(spec);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^stages\.source\.params\.count: /);
});

test('a wrong-typed partition count is reported at topics.<name>.partitions', () => {
  const spec = linearPipeline(10);
  (spec.topics['gpu.samples.raw'] as Record<string, unknown>).partitions = 0;
  assert.deepEqual(problemsOf(spec), ['topics.gpu.samples.raw.partitions: expected a positive integer']);
});

test('unknown kinds, topics and record mismatches are each named with their path', () => {
  const spec = linearPipeline(10);
  spec.stages.check.input = 'gpu.samples.nowhere';
  spec.stages.collect.kind = 'no-such-kind';
  spec.stages.source.output = 'gpu.deadletter';
  const problems = problemsOf(spec);
  assert.ok(problems.some((p) => p.startsWith('stages.check.input: unknown topic "gpu.samples.nowhere"')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('stages.collect.kind: unknown stage kind "no-such-kind"')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('stages.source.output: topic gpu.deadletter carries DeadLetter')), problems.join('\n'));
});

test('unknown fields are rejected rather than ignored', () => {
  const spec = linearPipeline(10) as unknown as { stages: Record<string, Record<string, unknown>> };
  spec.stages.check.outptu = 'gpu.samples.valid';
  const problems = problemsOf(spec);
  assert.ok(problems.some((p) => p.startsWith('stages.check')), problems.join('\n'));
});

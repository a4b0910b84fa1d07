import { test } from 'node:test';
import assert from 'node:assert/strict';

import { escapeLabelValue, parseExposition, parseExpositionFloat } from '../../dcgm/exposition-parse.js';

test('label values unescape \\\\, \\" and \\n, and escaping round-trips', () => {
  const text = 'm{a="x\\\\y",b="say \\"hi\\"",c="one\\ntwo",d=""} 1\n';
  const { samples, problems } = parseExposition(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(samples[0]!.labels, { a: 'x\\y', b: 'say "hi"', c: 'one\ntwo', d: '' });
  for (const v of Object.values(samples[0]!.labels)) {
    const again = parseExposition(`m{v="${escapeLabelValue(v)}"} 1`);
    assert.equal(again.samples[0]!.labels.v, v);
  }
});

test('a label value may hold commas, braces, equals signs and spaces', () => {
  const { samples } = parseExposition('m{a="x,y}=z {w}"} 2');
  assert.deepEqual(samples[0]!.labels, { a: 'x,y}=z {w}' });
  assert.equal(samples[0]!.value, 2);
});

test('NaN, +Inf, -Inf and exponents parse; the raw token is kept', () => {
  const { samples, problems } = parseExposition('a NaN\nb +Inf\nc -Inf\nd 1.5e3\ne -0.25\nf 9223372036854775794\n');
  assert.deepEqual(problems, []);
  assert.ok(Number.isNaN(samples[0]!.value));
  assert.equal(samples[1]!.value, Infinity);
  assert.equal(samples[2]!.value, -Infinity);
  assert.equal(samples[3]!.value, 1500);
  assert.equal(samples[4]!.value, -0.25);
  assert.equal(samples[5]!.rawValue, '9223372036854775794');
  assert.equal(parseExpositionFloat('nan'), parseExpositionFloat('nan')); // NaN is NaN, not null
  assert.equal(parseExpositionFloat('12abc'), null);
});

test('optional timestamps are read; labels-free samples and trailing commas are fine', () => {
  const { samples, problems } = parseExposition('up 1 1700000000000\nm{a="1",} 3 -5\n');
  assert.deepEqual(problems, []);
  assert.equal(samples[0]!.timestampMs, 1_700_000_000_000);
  assert.deepEqual(samples[0]!.labels, {});
  assert.equal(samples[1]!.timestampMs, -5);
  assert.deepEqual(samples[1]!.labels, { a: '1' });
});

test('HELP and TYPE are read per family; other comments and blank lines are ignored', () => {
  const text = [
    '# HELP m Some \\\\ help\\nsecond line',
    '# TYPE m counter',
    '# just a comment',
    '',
    '   ',
    'm 1',
  ].join('\r\n');
  const { samples, families, problems } = parseExposition(text);
  assert.deepEqual(problems, []);
  assert.equal(samples.length, 1);
  assert.deepEqual(families.get('m'), { help: 'Some \\ help\nsecond line', type: 'counter' });
});

test('a bad line is a problem with its line number; the rest of the scrape is kept', () => {
  const text = 'good 1\nbad{a="1" b="2"} 3\nalso{a="\\q"} 1\nnovalue{a="1"}\nm{a="1",a="2"} 1\n# TYPE x bogus\nfine 2\n';
  const { samples, problems } = parseExposition(text);
  assert.deepEqual(samples.map((s) => s.name), ['good', 'fine']);
  assert.equal(problems.length, 5);
  assert.match(problems[0]!, /^line 2: /);
  assert.match(problems[1]!, /^line 3: invalid escape/);
  assert.match(problems[2]!, /^line 4: missing value/);
  assert.match(problems[3]!, /^line 5: duplicate label a/);
  assert.match(problems[4]!, /^line 6: unknown TYPE/);
});

test('a label named __proto__ is an ordinary label', () => {
  const { samples } = parseExposition('m{__proto__="x"} 1');
  assert.equal(Object.getPrototypeOf(samples[0]!.labels), Object.prototype);
  assert.equal(Object.keys(samples[0]!.labels)[0], '__proto__');
});

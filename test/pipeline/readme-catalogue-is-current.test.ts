import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { catalogue } from '../../pipeline/catalogue.js';
import { catalogueMarkdown } from '../../pipeline/describe.js';

test("the README's stage catalogue is the one generated from the stages' schemas", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const between = /<!-- catalogue:start -->\n([\s\S]*?)\n<!-- catalogue:end -->/.exec(readme);
  assert.ok(between, 'README.md has catalogue markers');
  assert.equal(between[1].trim(), catalogueMarkdown(catalogue()).trim(), 'run `pipeline describe --catalogue` and paste it into README.md');
});

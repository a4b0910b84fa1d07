import assert from 'node:assert/strict';
import { test } from 'node:test';
import { avroRecord } from '../../pipeline/avro.js';
import { confluentRegistry, uniqueSuffix } from './support.js';

test('stage processes registering the same new subject at once all get its id (no lost race)', async () => {
  for (let round = 0; round < 5; round++) {
    const subject = `race.${uniqueSuffix()}-value`;
    // Separate clients, as separate `pipeline stage` processes would have.
    const ids = await Promise.all(Array.from({ length: 4 }, () => confluentRegistry().register(subject, avroRecord('GpuSample').schema)));
    assert.equal(new Set(ids).size, 1, `one id for ${subject}: ${ids.join(', ')}`);
  }
});

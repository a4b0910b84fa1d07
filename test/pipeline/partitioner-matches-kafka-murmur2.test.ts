import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioners } from 'kafkajs';
import { murmur2, partitionForKey } from '../../pipeline/partitioner.js';

test("murmur2 gives the Java client's published values (Kafka's UtilsTest)", () => {
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, expected] of vectors) assert.equal(murmur2(Buffer.from(key)), expected, key);
});

test("a GPU's key lands on the partition kafkajs's default partitioner picks, for every partition count", () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  for (let partitions = 1; partitions <= 24; partitions++) {
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    for (let i = 0; i < 200; i++) {
      const key = `GPU-${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}-a1b2-c3d4-e5f6-${String(i).padStart(12, '0')}`;
      const theirs = kafkajs({ topic: 't', partitionMetadata, message: { key, value: 'x' } });
      assert.equal(partitionForKey(key, partitions), theirs, `${key} over ${partitions} partitions`);
    }
  }
});

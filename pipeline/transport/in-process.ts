import { partitionForKey } from '../partitioner.js';
import type {
  Consumer,
  ConsumerHandlers,
  ConsumerOptions,
  OutgoingRecord,
  Producer,
  TopicConfig,
  TopicPartitionOffset,
  Transport,
  WireRecord,
} from './types.js';

export interface InProcessSettings {
  readonly partitionCapacity: number;
  readonly maxBatch: number;
  readonly retainWithoutGroups: number;
}

export const IN_PROCESS_DEFAULTS: InProcessSettings = Object.freeze({
  /** Unread records a partition may hold for its slowest group before producers wait. */
  partitionCapacity: 5_000, // records
  /** Records handed to a consumer in one call. */
  maxBatch: 500, // records
  /** With no consumer group at all, a partition keeps this many records (oldest dropped, like retention). */
  retainWithoutGroups: 10_000, // records
});

export type InProcessOptions = Partial<InProcessSettings>;

class PartitionLog {
  /** Offset of records[head]. */
  base = 0;
  /** Records before `head` are truncated; the array is compacted now and then, not on every commit. */
  private head = 0;
  private records: WireRecord[] = [];
  get end(): number {
    return this.base + this.records.length - this.head;
  }
  get held(): number {
    return this.records.length - this.head;
  }
  push(record: WireRecord): void {
    this.records.push(record);
  }
  read(from: number, max: number): WireRecord[] {
    const start = this.head + Math.max(from, this.base) - this.base;
    return this.records.slice(start, start + max);
  }
  truncateBefore(offset: number): void {
    const drop = Math.min(offset, this.end) - this.base;
    if (drop <= 0) return;
    this.head += drop;
    this.base += drop;
    if (this.head > 1_024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }
}

interface Member {
  readonly id: number;
  readonly topics: readonly string[];
  assigned: { topic: string; partition: number }[];
  handlers?: ConsumerHandlers;
  stopped: boolean;
  wake?: () => void;
}

interface Group {
  readonly name: string;
  readonly topics: Set<string>;
  readonly members: Member[];
  /** Committed offsets, `${topic}/${partition}` → next offset to read. */
  readonly committed: Map<string, number>;
  /** Where each partition's current owner is reading. */
  readonly position: Map<string, number>;
}

class Topic {
  readonly partitions: PartitionLog[];
  writers = 0;
  declaredWriters = false;
  roundRobin = 0;
  constructor(readonly config: TopicConfig) {
    this.partitions = Array.from({ length: config.partitions }, () => new PartitionLog());
  }
  get ended(): boolean {
    return this.declaredWriters && this.writers === 0;
  }
}

const tp = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * Kafka's model in memory: topics with partitions and offsets, murmur2 key partitioning, consumer groups
 * with committed offsets and partition assignment. Records are bytes (Avro, Confluent framing) exactly as
 * on a broker. Memory is bounded: a producer waits while its partition holds more unread records than
 * `partitionCapacity` for the slowest group, and records every group has committed are dropped.
 */
export class InProcessTransport implements Transport {
  readonly kind = 'in-process' as const;
  readonly options: InProcessSettings;
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Group>();
  private waitingProducers: (() => void)[] = [];
  private nextMemberId = 1;
  private closed = false;

  constructor(options: InProcessOptions = {}) {
    this.options = Object.freeze({ ...IN_PROCESS_DEFAULTS, ...options });
  }

  async ensureTopics(topics: readonly TopicConfig[]): Promise<void> {
    for (const config of topics) {
      const existing = this.topics.get(config.name);
      if (!existing) this.topics.set(config.name, new Topic(config));
      else if (existing.config.partitions !== config.partitions) {
        throw new Error(`topic ${config.name} exists with ${existing.config.partitions} partitions, not ${config.partitions}`);
      }
    }
  }

  /**
   * Declares one more writer of a topic; the returned function says that writer is done. A topic whose
   * declared writers are all done has ended, and its consumers are told once they have read everything.
   * (Finite embedded runs drain this way; Kafka topics never end.)
   */
  declareWriter(topicName: string): () => void {
    const topic = this.topic(topicName);
    topic.writers += 1;
    topic.declaredWriters = true;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      topic.writers -= 1;
      this.wakeAll();
    };
  }

  /** End offsets per partition (for status and tests). */
  endOffsets(topicName: string): number[] {
    return this.topic(topicName).partitions.map((p) => p.end);
  }

  /** Records currently held in memory for a topic, across partitions. */
  heldRecords(topicName: string): number {
    return this.topic(topicName).partitions.reduce((sum, p) => sum + p.held, 0);
  }

  committedOffsets(group: string, topicName: string): number[] {
    const g = this.groups.get(group);
    return this.topic(topicName).partitions.map((_, i) => g?.committed.get(tp(topicName, i)) ?? 0);
  }

  async producer(): Promise<Producer> {
    return {
      send: async (topicName, records) => {
        const topic = this.topic(topicName);
        for (const record of records) await this.append(topic, record);
        this.wakeAll();
      },
      close: async () => {},
    };
  }

  async consumer(options: ConsumerOptions): Promise<Consumer> {
    for (const t of options.topics) this.topic(t);
    let group = this.groups.get(options.group);
    if (!group) {
      group = { name: options.group, topics: new Set(), members: [], committed: new Map(), position: new Map() };
      this.groups.set(options.group, group);
    }
    for (const t of options.topics) group.topics.add(t);
    const member: Member = { id: this.nextMemberId++, topics: options.topics, assigned: [], stopped: false };
    const g = group;
    return {
      run: async (handlers) => {
        member.handlers = handlers;
        g.members.push(member);
        await this.rebalance(g);
        void this.deliver(g, member);
      },
      commit: async (offsets) => this.commit(g, offsets),
      stop: async () => {
        member.stopped = true;
        member.wake?.();
      },
      close: async () => {
        member.stopped = true;
        member.wake?.();
        const index = g.members.indexOf(member);
        // What this member read but did not commit is read again by the partition's next owner.
        for (const a of member.assigned) g.position.delete(tp(a.topic, a.partition));
        member.assigned = [];
        if (index >= 0) {
          g.members.splice(index, 1);
          await this.rebalance(g);
        }
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
  }

  private topic(name: string): Topic {
    const topic = this.topics.get(name);
    if (!topic) throw new Error(`unknown topic "${name}"`);
    return topic;
  }

  private async append(topic: Topic, record: OutgoingRecord): Promise<void> {
    const partition =
      record.key === null
        ? topic.roundRobin++ % topic.partitions.length
        : partitionForKey(record.key, topic.partitions.length);
    const log = topic.partitions[partition];
    while (!this.closed && this.unreadBySlowestGroup(topic.config.name, partition) >= this.options.partitionCapacity) {
      await new Promise<void>((resolve) => this.waitingProducers.push(resolve));
    }
    log.push({
      topic: topic.config.name,
      partition,
      offset: String(log.end),
      key: record.key,
      value: record.value,
      timestampMs: record.timestampMs,
    });
    if (!this.groupsOf(topic.config.name).length && log.held > this.options.retainWithoutGroups) {
      log.truncateBefore(log.end - this.options.retainWithoutGroups);
    }
  }

  private groupsOf(topicName: string): Group[] {
    return [...this.groups.values()].filter((g) => g.topics.has(topicName));
  }

  private unreadBySlowestGroup(topicName: string, partition: number): number {
    const log = this.topic(topicName).partitions[partition];
    let unread = 0;
    for (const g of this.groupsOf(topicName)) {
      const key = tp(topicName, partition);
      const at = g.position.get(key) ?? g.committed.get(key) ?? 0;
      unread = Math.max(unread, log.end - at);
    }
    return unread;
  }

  private async rebalance(group: Group): Promise<void> {
    const all: { topic: string; partition: number }[] = [];
    for (const t of [...group.topics].sort()) {
      for (let p = 0; p < this.topic(t).partitions.length; p++) all.push({ topic: t, partition: p });
    }
    const active = group.members.filter((m) => !m.stopped);
    const next = new Map<Member, { topic: string; partition: number }[]>(active.map((m) => [m, []]));
    const eligible = (t: string) => active.filter((m) => m.topics.includes(t));
    const counters = new Map<string, number>();
    for (const item of all) {
      const candidates = eligible(item.topic);
      if (!candidates.length) continue;
      const n = counters.get(item.topic) ?? 0;
      counters.set(item.topic, n + 1);
      next.get(candidates[n % candidates.length])!.push(item);
    }
    for (const member of group.members) {
      const now = next.get(member) ?? [];
      const revoked = member.assigned.filter((a) => !now.some((b) => b.topic === a.topic && b.partition === a.partition));
      if (revoked.length) {
        // Uncommitted work on a revoked partition is redone by its next owner from the committed offset.
        for (const r of revoked) group.position.delete(tp(r.topic, r.partition));
        await member.handlers?.onRevoked?.(revoked);
      }
      member.assigned = now;
      member.wake?.();
    }
  }

  private commit(group: Group, offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      const key = tp(o.topic, o.partition);
      const value = Number(o.offset);
      if (value > (group.committed.get(key) ?? 0)) group.committed.set(key, value);
      this.truncate(o.topic, o.partition);
    }
    this.wakeProducers();
  }

  private truncate(topicName: string, partition: number): void {
    const groups = this.groupsOf(topicName);
    if (!groups.length) return;
    const min = Math.min(...groups.map((g) => g.committed.get(tp(topicName, partition)) ?? 0));
    this.topic(topicName).partitions[partition].truncateBefore(min);
  }

  private async deliver(group: Group, member: Member): Promise<void> {
    let announcedEnd = false;
    while (!member.stopped && !this.closed) {
      const batch: WireRecord[] = [];
      let caughtUpAndEnded = member.assigned.length > 0 || member.topics.every((t) => this.topic(t).ended);
      for (const { topic, partition } of member.assigned) {
        const key = tp(topic, partition);
        const log = this.topic(topic).partitions[partition];
        const at = group.position.get(key) ?? group.committed.get(key) ?? 0;
        const records = log.read(at, this.options.maxBatch - batch.length);
        if (records.length) {
          batch.push(...records);
          group.position.set(key, Number(records[records.length - 1].offset) + 1);
        }
        if (!(this.topic(topic).ended && at + records.length >= log.end)) caughtUpAndEnded = false;
        if (batch.length >= this.options.maxBatch) break;
      }
      if (batch.length) {
        this.wakeProducers();
        await member.handlers!.onRecords(batch);
        continue;
      }
      if (caughtUpAndEnded && !announcedEnd) {
        announcedEnd = true;
        member.handlers!.onEnd?.();
      }
      await new Promise<void>((resolve) => {
        member.wake = resolve;
      });
      member.wake = undefined;
    }
  }

  private wakeProducers(): void {
    const waiting = this.waitingProducers;
    this.waitingProducers = [];
    for (const resolve of waiting) resolve();
  }

  private wakeAll(): void {
    this.wakeProducers();
    for (const g of this.groups.values()) for (const m of g.members) m.wake?.();
  }
}

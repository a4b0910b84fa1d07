/** What a record is on the wire, in either transport: bytes plus key, partition, offset and event time. */
export interface WireRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are int64; kept as a decimal string like kafkajs does. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer;
  /** Event time in ms since epoch, carried as the record timestamp. */
  readonly timestampMs: number;
}

export interface OutgoingRecord {
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly timestampMs: number;
}

export interface TopicConfig {
  readonly name: string;
  readonly partitions: number;
  readonly retentionMs?: number;
  readonly replicationFactor?: number;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read (Kafka's committed-offset convention: last processed + 1). */
  readonly offset: string;
}

export interface Producer {
  /** Resolves once the broker (or in-process log) has durably accepted every record. */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerHandlers {
  /**
   * Called with records in partition order. The returned promise resolves when the caller can take
   * more: this is how backpressure reaches the transport.
   */
  onRecords(records: readonly WireRecord[]): Promise<void>;
  /** Partitions taken away by a rebalance: their uncommitted work must be dropped. */
  onRevoked?(partitions: readonly { topic: string; partition: number }[]): void | Promise<void>;
  /** Every subscribed topic has ended (in-process finite runs only; Kafka never ends). */
  onEnd?(): void;
}

export interface Consumer {
  run(handlers: ConsumerHandlers): Promise<void>;
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Stops fetching; records already delivered may still be committed until close(). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  readonly group: string;
  readonly topics: readonly string[];
  readonly fromBeginning?: boolean;
  /**
   * The stage keeps some inputs as state (a window, the last sample per GPU), so its commits trail what it
   * has read on purpose: the transport must not wait for a batch's commit before fetching the next.
   */
  readonly holdsInputs?: boolean;
}

export interface Transport {
  readonly kind: 'in-process' | 'kafka';
  ensureTopics(topics: readonly TopicConfig[]): Promise<void>;
  producer(): Promise<Producer>;
  consumer(options: ConsumerOptions): Promise<Consumer>;
  close(): Promise<void>;
}

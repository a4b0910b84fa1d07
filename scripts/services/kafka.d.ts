// Types for the parts of kafka.js that TypeScript tests use.

export interface ConsoleConsumerOptions {
  /** host:port of a broker, e.g. process.env.KAFKA_BROKERS */
  brokers: string;
  topic: string;
  /** stop after this many records (default 1) */
  maxMessages?: number;
  /** read from the earliest offset (default true) */
  fromBeginning?: boolean;
  /** overall limit for the run, JVM start included (default one minute) */
  timeoutMs?: number;
  group?: string;
  /** --property key=value pairs for the formatter, e.g. { 'print.key': 'true' } */
  properties?: Record<string, string>;
  /** further raw arguments for the tool */
  args?: string[];
}

export interface ConsoleConsumerResult {
  code: number | null;
  /** exactly what the tool printed: each record's value followed by "\n" with the default formatter */
  stdout: Buffer;
  stderr: string;
}

/** Runs Kafka's own console consumer (org.apache.kafka.tools.consumer.ConsoleConsumer) from the same jars as the broker. */
export function runConsoleConsumer(opts: ConsoleConsumerOptions): Promise<ConsoleConsumerResult>;

export interface RunningKafka {
  brokers: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

export function start(opts?: { timeoutMs?: number }): Promise<RunningKafka>;
export function brokerAnswers(brokers: string): Promise<boolean>;

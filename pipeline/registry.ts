import avro from 'avsc';

/**
 * The schema registry contract both modes share: subjects named by TopicNameStrategy (`<topic>-value`),
 * schemas identified by integer ids, and the Confluent wire format on every record
 * (magic byte 0, 4-byte big-endian schema id, Avro binary).
 */
export interface SchemaRegistry {
  /** Registers (or finds) the schema under the subject; returns its id. */
  register(subject: string, schema: Record<string, unknown>): Promise<number>;
  /** The schema for an id (as registered). */
  schemaById(id: number): Promise<Record<string, unknown>>;
}

/** An in-process registry: ids assigned in registration order, identical schemas share an id. */
export class InProcessRegistry implements SchemaRegistry {
  private readonly byId = new Map<number, Record<string, unknown>>();
  private readonly idByText = new Map<string, number>();
  private readonly subjects = new Map<string, number[]>();

  async register(subject: string, schema: Record<string, unknown>): Promise<number> {
    const text = JSON.stringify(schema);
    let id = this.idByText.get(text);
    if (id === undefined) {
      id = this.byId.size + 1;
      this.byId.set(id, schema);
      this.idByText.set(text, id);
    }
    const versions = this.subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    this.subjects.set(subject, versions);
    return id;
  }

  async schemaById(id: number): Promise<Record<string, unknown>> {
    const schema = this.byId.get(id);
    if (!schema) throw new Error(`schema id ${id} is not registered`);
    return schema;
  }
}

export const MAGIC_BYTE = 0;
const HEADER_BYTES = 5; // magic byte + 4-byte schema id

export function subjectForTopic(topic: string): string {
  return `${topic}-value`;
}

/** Encodes and decodes one topic's records with the Confluent framing. */
export class AvroCodec {
  private readonly writerIds = new Map<string, number>();
  private readonly readerTypes = new Map<string, avro.Type>();
  private readonly writerTypes = new Map<number, avro.Type>();
  private readonly resolvers = new Map<string, avro.Resolver>();

  constructor(private readonly registry: SchemaRegistry) {}

  /** Registers the topic's value schema; records produced to the topic are then written with it. */
  async bindTopic(topic: string, schema: Record<string, unknown>): Promise<number> {
    const id = await this.registry.register(subjectForTopic(topic), schema);
    this.writerIds.set(topic, id);
    this.readerTypes.set(topic, avro.Type.forSchema(schema as avro.Schema));
    return id;
  }

  encode(topic: string, value: unknown): Buffer {
    const id = this.writerIds.get(topic);
    const type = this.readerTypes.get(topic);
    if (id === undefined || !type) throw new Error(`topic "${topic}" has no schema bound`);
    const body = type.toBuffer(value);
    const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
    out.writeUInt8(MAGIC_BYTE, 0);
    out.writeInt32BE(id, 1);
    body.copy(out, HEADER_BYTES);
    return out;
  }

  /** Decodes with the writer's schema (by id) resolved into the topic's reader schema. */
  async decode(topic: string, bytes: Buffer): Promise<unknown> {
    if (bytes.length < HEADER_BYTES || bytes.readUInt8(0) !== MAGIC_BYTE) {
      throw new Error('not Confluent-framed Avro (missing magic byte 0)');
    }
    const id = bytes.readInt32BE(1);
    const reader = this.readerTypes.get(topic);
    if (!reader) throw new Error(`topic "${topic}" has no schema bound`);
    let writer = this.writerTypes.get(id);
    if (!writer) {
      writer = avro.Type.forSchema((await this.registry.schemaById(id)) as avro.Schema);
      this.writerTypes.set(id, writer);
    }
    const body = bytes.subarray(HEADER_BYTES);
    if (writer === reader || this.writerIds.get(topic) === id) return reader.fromBuffer(body);
    const key = `${topic}:${id}`;
    let resolver = this.resolvers.get(key);
    if (!resolver) {
      resolver = reader.createResolver(writer);
      this.resolvers.set(key, resolver);
    }
    return reader.fromBuffer(body, resolver, true);
  }
}

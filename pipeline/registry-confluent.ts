import { COMPATIBILITY, SchemaRegistry as RegistryClient, SchemaType } from '@kafkajs/confluent-schema-registry';
import { z } from 'zod';
import type { SchemaRegistry } from './registry.js';

/**
 * A Confluent-compatible schema registry (Confluent, Redpanda's built-in one, Apicurio's ccompat API).
 *
 * Registration goes through @kafkajs/confluent-schema-registry with the subject's compatibility set to
 * BACKWARD: a new version of a record may add fields with defaults (and drop fields), so consumers on the new
 * schema still read everything already on the topic. Framing and Avro encoding stay in AvroCodec, shared
 * with the in-process registry, so the bytes on a broker are the same Confluent wire format
 * (magic byte 0, 4-byte big-endian id, Avro binary) in both modes.
 *
 * Avro `long` (and `timestamp-millis`): avsc reads longs as JS numbers, exact up to 2^53 - 1, and refuses
 * (throws) rather than rounding anything larger. Event times in ms (≈1.7e12), counters and offsets stay far
 * below that, so numbers are kept: no BigInt in stage code, and a value that could lose precision becomes a
 * dead letter instead of a wrong number.
 */
export const CONFLUENT_REGISTRY_DEFAULTS = Object.freeze({
  compatibility: 'BACKWARD' as keyof typeof COMPATIBILITY,
  /** Retries of a registry request (the library backs off between them). */
  retries: 5, // attempts
  /** One REST call to the registry at most this long. */
  requestTimeoutMs: 10_000, // ten seconds
});

export const ConfluentRegistryOptions = z
  .object({
    url: z.string().url('SCHEMA_REGISTRY_URL must be an http(s) URL'),
    username: z.string().optional(),
    password: z.string().optional(),
    compatibility: z.enum(Object.keys(COMPATIBILITY) as [keyof typeof COMPATIBILITY, ...(keyof typeof COMPATIBILITY)[]]).default(CONFLUENT_REGISTRY_DEFAULTS.compatibility),
    retries: z.number().int().nonnegative().default(CONFLUENT_REGISTRY_DEFAULTS.retries),
    requestTimeoutMs: z.number().int().positive().default(CONFLUENT_REGISTRY_DEFAULTS.requestTimeoutMs),
  })
  .strict();
export type ConfluentRegistryOptions = z.input<typeof ConfluentRegistryOptions>;

const REGISTRATION_RACE_ATTEMPTS = 6;
const REGISTRATION_RACE_BACKOFF_MS = 100; // times the attempt number

const SchemaByIdResponse = z.object({ schema: z.string(), schemaType: z.string().optional() });

export class ConfluentRegistry implements SchemaRegistry {
  readonly url: string;
  private readonly client: RegistryClient;
  private readonly compatibility: COMPATIBILITY;
  private readonly authHeader?: string;
  private readonly timeoutMs: number;
  private readonly byId = new Map<number, Promise<Record<string, unknown>>>();

  constructor(options: ConfluentRegistryOptions) {
    const parsed = ConfluentRegistryOptions.safeParse(options);
    if (!parsed.success) throw new Error(`invalid schema registry options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const o = parsed.data;
    this.url = o.url.replace(/\/+$/, '');
    this.compatibility = COMPATIBILITY[o.compatibility];
    this.timeoutMs = o.requestTimeoutMs;
    const auth = o.username ? { username: o.username, password: o.password ?? '' } : undefined;
    if (auth) this.authHeader = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    this.client = new RegistryClient({ host: this.url, ...(auth ? { auth } : {}), retry: { retries: o.retries } });
  }

  /** Registers the schema under the subject (or finds it there); the id is the registry's. */
  async register(subject: string, schema: Record<string, unknown>): Promise<number> {
    let id: number | undefined;
    for (let attempt = 1; id === undefined; attempt++) {
      try {
        id = await this.registerOnce(subject, schema);
      } catch (error) {
        // Processes registering the same new subject at once race: one is told the subject already exists
        // (Apicurio's 409), reads its compatibility before the creator has set it, or times out on the
        // registry's storage lock (a 5xx). All settle in moments; registering again finds the schema's id.
        const racing = /already exists|Compatibility does not match/i.test((error as Error).message);
        const serverError = ((error as { status?: number }).status ?? 0) >= 500;
        if (!(racing || serverError) || attempt >= REGISTRATION_RACE_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, REGISTRATION_RACE_BACKOFF_MS * attempt));
      }
    }
    const text = JSON.stringify(schema);
    if (!this.byId.has(id)) this.byId.set(id, Promise.resolve(JSON.parse(text) as Record<string, unknown>));
    return id;
  }

  private async registerOnce(subject: string, schema: Record<string, unknown>): Promise<number> {
    const { id } = await this.client.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject, compatibility: this.compatibility });
    return id;
  }

  /** The writer's schema for an id, as JSON (AvroCodec builds its own avsc types and resolvers from it). */
  async schemaById(id: number): Promise<Record<string, unknown>> {
    let found = this.byId.get(id);
    if (!found) {
      found = this.fetchSchema(id);
      this.byId.set(id, found);
      found.catch(() => this.byId.delete(id)); // a failed lookup is tried again next time
    }
    return found;
  }

  private async fetchSchema(id: number): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.url}/schemas/ids/${id}`, {
      headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json', ...(this.authHeader ? { authorization: this.authHeader } : {}) },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`schema id ${id}: registry answered ${response.status} ${await response.text().catch(() => '')}`.trim());
    const body = SchemaByIdResponse.parse(await response.json());
    if (body.schemaType && body.schemaType !== 'AVRO') throw new Error(`schema id ${id} is ${body.schemaType}, not AVRO`);
    const schema: unknown = JSON.parse(body.schema);
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error(`schema id ${id} is not an Avro record schema`);
    return schema as Record<string, unknown>;
  }
}

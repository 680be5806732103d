/**
 * A workflow's event history as JSON for the console: every field of every event, walked through the protobuf
 * reflection the SDK ships, with each Temporal Payload either decoded through the client's data converter (the
 * encrypting codec, then the payload converter) or replaced by a marker holding only its size. Redaction happens
 * here, in the API, before anything is serialised: a redacted answer holds no payload bytes, metadata included.
 */
import proto from '@temporalio/proto';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import type { RedactedPayload, UndecodablePayload, WorkflowHistoryEvent } from '../contracts/workflow-detail.ts';
import { CryptoError } from '../lib/crypto/errors.ts';

/** The parts of protobufjs' reflection used here (protobufjs is the SDK's dependency, not ours). */
interface ReflEnum {
  valuesById: Record<number, string>;
}
interface ReflType {
  fullName: string;
  fieldsArray: ReflField[];
}
interface ReflField {
  name: string;
  type: string;
  repeated: boolean;
  map: boolean;
  resolvedType: ReflType | ReflEnum | null;
  resolve(): ReflField;
}

const HistoryEventType = proto.temporal.api.history.v1.HistoryEvent as unknown as ReflType;
/** Enums are exported both ways (name → number, number → name), like TypeScript's. */
const EventTypeNames = proto.temporal.api.enums.v1.EventType as unknown as Record<number, string>;

const PAYLOAD = '.temporal.api.common.v1.Payload';
const PAYLOADS = '.temporal.api.common.v1.Payloads';
const TIMESTAMP = '.google.protobuf.Timestamp';
const DURATION = '.google.protobuf.Duration';

const isEnum = (t: ReflField['resolvedType']): t is ReflEnum => !!t && 'valuesById' in t && !('fieldsArray' in t);

/** int64 as protobufjs hands it (Long or number): a number when exact, else its decimal string. */
function int64(v: unknown): number | string {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v) {
    const long = v as { toNumber(): number; toString(): string };
    const n = long.toNumber();
    return Number.isSafeInteger(n) ? n : long.toString();
  }
  return Number(v);
}

export function timestampIso(t: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!t || t.seconds === undefined || t.seconds === null) return null;
  const seconds = Number(int64(t.seconds));
  if (!seconds && !t.nanos) return null;
  return new Date(seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/** EVENT_TYPE_WORKFLOW_EXECUTION_STARTED → WorkflowExecutionStarted. */
export const eventTypeName = (code: number | null | undefined): string =>
  (EventTypeNames[code ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED')
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase());

/** A placeholder the first pass leaves where a payload stood; the second pass swaps in the decoded value. */
const SLOT = '\u0000payload-slot';
type Slot = { [SLOT]: number };

class Walker {
  readonly payloads: Payload[] = [];

  private payload(p: Payload): Slot {
    this.payloads.push(p);
    return { [SLOT]: this.payloads.length - 1 };
  }

  message(msg: Record<string, unknown>, type: ReflType): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of type.fieldsArray) {
      const value = msg[field.name];
      if (value === undefined || value === null) continue;
      if (field.repeated && Array.isArray(value) && value.length === 0) continue;
      if (field.map && typeof value === 'object' && Object.keys(value).length === 0) continue;
      out[field.name] = this.field(value, field);
    }
    return out;
  }

  private field(value: unknown, field: ReflField): unknown {
    const f = field.resolve();
    if (f.map) return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.element(v, f)]));
    if (f.repeated && Array.isArray(value)) return value.map((v) => this.element(v, f));
    return this.element(value, f);
  }

  private element(value: unknown, field: ReflField): unknown {
    const t = field.resolvedType;
    if (isEnum(t)) return t.valuesById[value as number] ?? value;
    if (t) {
      const msg = value as Record<string, unknown>;
      switch (t.fullName) {
        case PAYLOAD:
          return this.payload(msg as Payload);
        case PAYLOADS:
          return ((msg.payloads as Payload[] | undefined) ?? []).map((p) => this.payload(p));
        case TIMESTAMP:
          return timestampIso(msg as { seconds?: unknown; nanos?: number });
        case DURATION:
          return `${Number(int64(msg.seconds ?? 0)) + ((msg.nanos as number | undefined) ?? 0) / 1e9}s`;
        default:
          return this.message(msg, t);
      }
    }
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    if (['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'].includes(field.type)) return int64(value);
    return value;
  }
}

function fill(value: unknown, resolved: readonly unknown[]): unknown {
  if (Array.isArray(value)) return value.map((v) => fill(v, resolved));
  if (value && typeof value === 'object') {
    if (SLOT in value) return resolved[(value as Slot)[SLOT]];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, resolved)]));
  }
  return value;
}

export const redact = (p: Payload): RedactedPayload => ({ $redacted: 'payload', bytes: p.data?.length ?? 0 });

const undecodable = (err: unknown): UndecodablePayload => ({ $undecodable: err instanceof CryptoError ? err.code : 'decode-failed' });

/** Decoded value, or a marker saying why not (a destroyed key, an unknown encoding); raw bytes become base64. */
export async function decodePayloads(converter: LoadedDataConverter, payloads: Payload[]): Promise<unknown[]> {
  if (payloads.length === 0) return [];
  const codecs = [...converter.payloadCodecs].reverse();
  const run = async (ps: Payload[]) => {
    let out = ps;
    for (const codec of codecs) out = await codec.decode(out);
    return out;
  };
  const toValue = (p: Payload) => {
    try {
      const v = converter.payloadConverter.fromPayload<unknown>(p);
      return v instanceof Uint8Array ? { $binary: Buffer.from(v).toString('base64') } : v;
    } catch (err) {
      return undecodable(err);
    }
  };
  try {
    return (await run(payloads)).map(toValue);
  } catch {
    // One payload that cannot be decoded (its account's key destroyed) must not hide the others.
    return Promise.all(payloads.map((p) => run([p]).then(([d]) => toValue(d!), undecodable)));
  }
}

export type HistoryMode = { decode: true; converter: LoadedDataConverter } | { decode: false };

/** Raw history events (GetWorkflowExecutionHistory) → JSON events, payloads decoded or redacted per `mode`. */
export async function renderHistory(events: readonly proto.temporal.api.history.v1.IHistoryEvent[], mode: HistoryMode): Promise<WorkflowHistoryEvent[]> {
  const walker = new Walker();
  const shaped = events.map((ev) => {
    const e = ev as proto.temporal.api.history.v1.HistoryEvent;
    // The oneof `attributes` names the one …EventAttributes field set on this event.
    const attrName = (e as unknown as { attributes?: string }).attributes;
    const attrField = attrName ? HistoryEventType.fieldsArray.find((f) => f.name === attrName)?.resolve() : undefined;
    const attrValue = attrName ? (e as unknown as Record<string, unknown>)[attrName] : undefined;
    const attributes =
      attrField && attrValue && attrField.resolvedType && !isEnum(attrField.resolvedType)
        ? walker.message(attrValue as Record<string, unknown>, attrField.resolvedType)
        : {};
    return {
      eventId: Number(int64(e.eventId ?? 0)),
      eventType: eventTypeName(e.eventType),
      eventTime: timestampIso(e.eventTime as { seconds?: unknown; nanos?: number } | null | undefined),
      attributes,
    };
  });
  const resolved = mode.decode ? await decodePayloads(mode.converter, walker.payloads) : walker.payloads.map(redact);
  return shaped.map((e) => ({ ...e, attributes: fill(e.attributes, resolved) as Record<string, unknown> }));
}

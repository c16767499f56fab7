import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface WireEntry {
  key: string
  value: Uint8Array<ArrayBuffer>
  wall: number
  counter: number
  origin: number
  expiresAt?: number
  deleted: boolean
  signature?: Uint8Array<ArrayBuffer>
  valueHash?: Uint8Array<ArrayBuffer>
  stripped: boolean
}

export namespace WireEntry {
  let _codec: Codec<WireEntry>

  export const codec = (): Codec<WireEntry> => {
    if (_codec == null) {
      _codec = message<WireEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(10)
          w.string(obj.key)
        }

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.value)
        }

        if ((obj.wall != null && obj.wall !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.wall)
        }

        if ((obj.counter != null && obj.counter !== 0)) {
          w.uint32(32)
          w.uint32(obj.counter)
        }

        if ((obj.origin != null && obj.origin !== 0)) {
          w.uint32(40)
          w.uint32(obj.origin)
        }

        if (obj.expiresAt != null) {
          w.uint32(48)
          w.uint64Number(obj.expiresAt)
        }

        if ((obj.deleted != null && obj.deleted !== false)) {
          w.uint32(56)
          w.bool(obj.deleted)
        }

        if (obj.signature != null) {
          w.uint32(66)
          w.bytes(obj.signature)
        }

        if (obj.valueHash != null) {
          w.uint32(74)
          w.bytes(obj.valueHash)
        }

        if ((obj.stripped != null && obj.stripped !== false)) {
          w.uint32(80)
          w.bool(obj.stripped)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: '',
          value: uint8ArrayAlloc(0),
          wall: 0,
          counter: 0,
          origin: 0,
          deleted: false,
          stripped: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.string()
              break
            }
            case 2: {
              obj.value = reader.bytes()
              break
            }
            case 3: {
              obj.wall = reader.uint64Number()
              break
            }
            case 4: {
              obj.counter = reader.uint32()
              break
            }
            case 5: {
              obj.origin = reader.uint32()
              break
            }
            case 6: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 7: {
              obj.deleted = reader.bool()
              break
            }
            case 8: {
              obj.signature = reader.bytes()
              break
            }
            case 9: {
              obj.valueHash = reader.bytes()
              break
            }
            case 10: {
              obj.stripped = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.wall`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.counter`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.origin`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.deleted`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.valueHash`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.stripped`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface WireEntryKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface WireEntryValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WireEntryWallFieldEvent {
    field: '$.wall'
    value: number
  }

  export interface WireEntryCounterFieldEvent {
    field: '$.counter'
    value: number
  }

  export interface WireEntryOriginFieldEvent {
    field: '$.origin'
    value: number
  }

  export interface WireEntryExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface WireEntryDeletedFieldEvent {
    field: '$.deleted'
    value: boolean
  }

  export interface WireEntrySignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WireEntryValueHashFieldEvent {
    field: '$.valueHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WireEntryStrippedFieldEvent {
    field: '$.stripped'
    value: boolean
  }

  export function encode (obj: Partial<WireEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WireEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireEntry>): WireEntry {
    return decodeMessage(buf, WireEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireEntry>): Generator<WireEntryKeyFieldEvent | WireEntryValueFieldEvent | WireEntryWallFieldEvent | WireEntryCounterFieldEvent | WireEntryOriginFieldEvent | WireEntryExpiresAtFieldEvent | WireEntryDeletedFieldEvent | WireEntrySignatureFieldEvent | WireEntryValueHashFieldEvent | WireEntryStrippedFieldEvent> {
    return streamMessage(buf, WireEntry.codec(), opts)
  }
}

export interface Batch {
  version: number
  origins: string[]
  entries: WireEntry[]
  time?: number
}

export namespace Batch {
  let _codec: Codec<Batch>

  export const codec = (): Codec<Batch> => {
    if (_codec == null) {
      _codec = message<Batch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.origins != null && obj.origins.length > 0) {
          for (const value of obj.origins) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(26)
            WireEntry.codec().encode(value, w)
          }
        }

        if (obj.time != null) {
          w.uint32(120)
          w.uint64Number(obj.time)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          origins: [],
          entries: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              if (opts.limits?.origins != null && obj.origins.length === opts.limits.origins) {
                throw new MaxLengthError('Decode error - repeated field "origins" had too many elements')
              }

              obj.origins.push(reader.string())
              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(WireEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 15: {
              obj.time = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          origins: 0,
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              if (opts.limits?.origins != null && obj.origins === opts.limits.origins) {
                throw new MaxLengthError('Streaming decode error - repeated field "origins" had too many elements')
              }

              yield {
                field: `${prefix}.origins[]`,
                index: obj.origins,
                value: reader.string()
              }

              obj.origins++

              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of WireEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 15: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BatchVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface BatchOriginsFieldEvent {
    field: '$.origins[]'
    index: number
    value: string
  }

  export interface BatchEntriesKeyFieldEvent {
    field: '$.entries[].key'
    value: string
    index: number
  }

  export interface BatchEntriesValueFieldEvent {
    field: '$.entries[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BatchEntriesWallFieldEvent {
    field: '$.entries[].wall'
    value: number
    index: number
  }

  export interface BatchEntriesCounterFieldEvent {
    field: '$.entries[].counter'
    value: number
    index: number
  }

  export interface BatchEntriesOriginFieldEvent {
    field: '$.entries[].origin'
    value: number
    index: number
  }

  export interface BatchEntriesExpiresAtFieldEvent {
    field: '$.entries[].expiresAt'
    value: number
    index: number
  }

  export interface BatchEntriesDeletedFieldEvent {
    field: '$.entries[].deleted'
    value: boolean
    index: number
  }

  export interface BatchEntriesSignatureFieldEvent {
    field: '$.entries[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BatchEntriesValueHashFieldEvent {
    field: '$.entries[].valueHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BatchEntriesStrippedFieldEvent {
    field: '$.entries[].stripped'
    value: boolean
    index: number
  }

  export interface BatchTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export function encode (obj: Partial<Batch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Batch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Batch>): Batch {
    return decodeMessage(buf, Batch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Batch>): Generator<BatchVersionFieldEvent | BatchOriginsFieldEvent | BatchEntriesKeyFieldEvent | BatchEntriesValueFieldEvent | BatchEntriesWallFieldEvent | BatchEntriesCounterFieldEvent | BatchEntriesOriginFieldEvent | BatchEntriesExpiresAtFieldEvent | BatchEntriesDeletedFieldEvent | BatchEntriesSignatureFieldEvent | BatchEntriesValueHashFieldEvent | BatchEntriesStrippedFieldEvent | BatchTimeFieldEvent> {
    return streamMessage(buf, Batch.codec(), opts)
  }
}

export interface SyncFrame {
  version: number
  kind: SyncFrame.Kind
  bucketCount: number
  buckets: Uint8Array<ArrayBuffer>
  diff: number[]
  origins: string[]
  entries: WireEntry[]
  want: string[]
  last: boolean
  full: boolean
  more: boolean
  whole: boolean
  time?: number
}

export namespace SyncFrame {
  export enum Kind {
    DIGEST = 'DIGEST',
    SUMMARY = 'SUMMARY',
    PUSH = 'PUSH'
  }

  enum __KindValues {
    DIGEST = 0,
    SUMMARY = 1,
    PUSH = 2
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<SyncFrame>

  export const codec = (): Codec<SyncFrame> => {
    if (_codec == null) {
      _codec = message<SyncFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(16)
          SyncFrame.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.bucketCount != null && obj.bucketCount !== 0)) {
          w.uint32(24)
          w.uint32(obj.bucketCount)
        }

        if ((obj.buckets != null && obj.buckets.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.buckets)
        }

        if (obj.diff != null && obj.diff.length > 0) {
          for (const value of obj.diff) {
            w.uint32(40)
            w.uint32(value)
          }
        }

        if (obj.origins != null && obj.origins.length > 0) {
          for (const value of obj.origins) {
            w.uint32(50)
            w.string(value)
          }
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(58)
            WireEntry.codec().encode(value, w)
          }
        }

        if (obj.want != null && obj.want.length > 0) {
          for (const value of obj.want) {
            w.uint32(66)
            w.string(value)
          }
        }

        if ((obj.last != null && obj.last !== false)) {
          w.uint32(72)
          w.bool(obj.last)
        }

        if ((obj.full != null && obj.full !== false)) {
          w.uint32(80)
          w.bool(obj.full)
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(88)
          w.bool(obj.more)
        }

        if ((obj.whole != null && obj.whole !== false)) {
          w.uint32(96)
          w.bool(obj.whole)
        }

        if (obj.time != null) {
          w.uint32(120)
          w.uint64Number(obj.time)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          kind: Kind.DIGEST,
          bucketCount: 0,
          buckets: uint8ArrayAlloc(0),
          diff: [],
          origins: [],
          entries: [],
          want: [],
          last: false,
          full: false,
          more: false,
          whole: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.kind = SyncFrame.Kind.codec().decode(reader)
              break
            }
            case 3: {
              obj.bucketCount = reader.uint32()
              break
            }
            case 4: {
              obj.buckets = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.diff != null && obj.diff.length === opts.limits.diff) {
                throw new MaxLengthError('Decode error - repeated field "diff" had too many elements')
              }

              obj.diff.push(reader.uint32())
              break
            }
            case 6: {
              if (opts.limits?.origins != null && obj.origins.length === opts.limits.origins) {
                throw new MaxLengthError('Decode error - repeated field "origins" had too many elements')
              }

              obj.origins.push(reader.string())
              break
            }
            case 7: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(WireEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 8: {
              if (opts.limits?.want != null && obj.want.length === opts.limits.want) {
                throw new MaxLengthError('Decode error - repeated field "want" had too many elements')
              }

              obj.want.push(reader.string())
              break
            }
            case 9: {
              obj.last = reader.bool()
              break
            }
            case 10: {
              obj.full = reader.bool()
              break
            }
            case 11: {
              obj.more = reader.bool()
              break
            }
            case 12: {
              obj.whole = reader.bool()
              break
            }
            case 15: {
              obj.time = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          diff: 0,
          origins: 0,
          entries: 0,
          want: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: SyncFrame.Kind.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.bucketCount`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.buckets`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.diff != null && obj.diff === opts.limits.diff) {
                throw new MaxLengthError('Streaming decode error - repeated field "diff" had too many elements')
              }

              yield {
                field: `${prefix}.diff[]`,
                index: obj.diff,
                value: reader.uint32()
              }

              obj.diff++

              break
            }
            case 6: {
              if (opts.limits?.origins != null && obj.origins === opts.limits.origins) {
                throw new MaxLengthError('Streaming decode error - repeated field "origins" had too many elements')
              }

              yield {
                field: `${prefix}.origins[]`,
                index: obj.origins,
                value: reader.string()
              }

              obj.origins++

              break
            }
            case 7: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of WireEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 8: {
              if (opts.limits?.want != null && obj.want === opts.limits.want) {
                throw new MaxLengthError('Streaming decode error - repeated field "want" had too many elements')
              }

              yield {
                field: `${prefix}.want[]`,
                index: obj.want,
                value: reader.string()
              }

              obj.want++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.last`,
                value: reader.bool()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.full`,
                value: reader.bool()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.whole`,
                value: reader.bool()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SyncFrameVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface SyncFrameKindFieldEvent {
    field: '$.kind'
    value: SyncFrame.Kind
  }

  export interface SyncFrameBucketCountFieldEvent {
    field: '$.bucketCount'
    value: number
  }

  export interface SyncFrameBucketsFieldEvent {
    field: '$.buckets'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncFrameDiffFieldEvent {
    field: '$.diff[]'
    index: number
    value: number
  }

  export interface SyncFrameOriginsFieldEvent {
    field: '$.origins[]'
    index: number
    value: string
  }

  export interface SyncFrameEntriesKeyFieldEvent {
    field: '$.entries[].key'
    value: string
    index: number
  }

  export interface SyncFrameEntriesValueFieldEvent {
    field: '$.entries[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncFrameEntriesWallFieldEvent {
    field: '$.entries[].wall'
    value: number
    index: number
  }

  export interface SyncFrameEntriesCounterFieldEvent {
    field: '$.entries[].counter'
    value: number
    index: number
  }

  export interface SyncFrameEntriesOriginFieldEvent {
    field: '$.entries[].origin'
    value: number
    index: number
  }

  export interface SyncFrameEntriesExpiresAtFieldEvent {
    field: '$.entries[].expiresAt'
    value: number
    index: number
  }

  export interface SyncFrameEntriesDeletedFieldEvent {
    field: '$.entries[].deleted'
    value: boolean
    index: number
  }

  export interface SyncFrameEntriesSignatureFieldEvent {
    field: '$.entries[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncFrameEntriesValueHashFieldEvent {
    field: '$.entries[].valueHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncFrameEntriesStrippedFieldEvent {
    field: '$.entries[].stripped'
    value: boolean
    index: number
  }

  export interface SyncFrameWantFieldEvent {
    field: '$.want[]'
    index: number
    value: string
  }

  export interface SyncFrameLastFieldEvent {
    field: '$.last'
    value: boolean
  }

  export interface SyncFrameFullFieldEvent {
    field: '$.full'
    value: boolean
  }

  export interface SyncFrameMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface SyncFrameWholeFieldEvent {
    field: '$.whole'
    value: boolean
  }

  export interface SyncFrameTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export function encode (obj: Partial<SyncFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncFrame>): SyncFrame {
    return decodeMessage(buf, SyncFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncFrame>): Generator<SyncFrameVersionFieldEvent | SyncFrameKindFieldEvent | SyncFrameBucketCountFieldEvent | SyncFrameBucketsFieldEvent | SyncFrameDiffFieldEvent | SyncFrameOriginsFieldEvent | SyncFrameEntriesKeyFieldEvent | SyncFrameEntriesValueFieldEvent | SyncFrameEntriesWallFieldEvent | SyncFrameEntriesCounterFieldEvent | SyncFrameEntriesOriginFieldEvent | SyncFrameEntriesExpiresAtFieldEvent | SyncFrameEntriesDeletedFieldEvent | SyncFrameEntriesSignatureFieldEvent | SyncFrameEntriesValueHashFieldEvent | SyncFrameEntriesStrippedFieldEvent | SyncFrameWantFieldEvent | SyncFrameLastFieldEvent | SyncFrameFullFieldEvent | SyncFrameMoreFieldEvent | SyncFrameWholeFieldEvent | SyncFrameTimeFieldEvent> {
    return streamMessage(buf, SyncFrame.codec(), opts)
  }
}

export interface LeaseRequest {
  version: number
  kind: LeaseRequest.Kind
  name: string
  owner: string
  token: string
  ttlMs: number
  time?: number
}

export namespace LeaseRequest {
  export enum Kind {
    ACQUIRE = 'ACQUIRE',
    RENEW = 'RENEW',
    RELEASE = 'RELEASE'
  }

  enum __KindValues {
    ACQUIRE = 0,
    RENEW = 1,
    RELEASE = 2
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<LeaseRequest>

  export const codec = (): Codec<LeaseRequest> => {
    if (_codec == null) {
      _codec = message<LeaseRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(16)
          LeaseRequest.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(26)
          w.string(obj.name)
        }

        if ((obj.owner != null && obj.owner !== '')) {
          w.uint32(34)
          w.string(obj.owner)
        }

        if ((obj.token != null && obj.token !== '')) {
          w.uint32(42)
          w.string(obj.token)
        }

        if ((obj.ttlMs != null && obj.ttlMs !== 0)) {
          w.uint32(48)
          w.uint32(obj.ttlMs)
        }

        if (obj.time != null) {
          w.uint32(120)
          w.uint64Number(obj.time)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          kind: Kind.ACQUIRE,
          name: '',
          owner: '',
          token: '',
          ttlMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.kind = LeaseRequest.Kind.codec().decode(reader)
              break
            }
            case 3: {
              obj.name = reader.string()
              break
            }
            case 4: {
              obj.owner = reader.string()
              break
            }
            case 5: {
              obj.token = reader.string()
              break
            }
            case 6: {
              obj.ttlMs = reader.uint32()
              break
            }
            case 15: {
              obj.time = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: LeaseRequest.Kind.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.owner`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.token`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.ttlMs`,
                value: reader.uint32()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LeaseRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface LeaseRequestKindFieldEvent {
    field: '$.kind'
    value: LeaseRequest.Kind
  }

  export interface LeaseRequestNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface LeaseRequestOwnerFieldEvent {
    field: '$.owner'
    value: string
  }

  export interface LeaseRequestTokenFieldEvent {
    field: '$.token'
    value: string
  }

  export interface LeaseRequestTtlMsFieldEvent {
    field: '$.ttlMs'
    value: number
  }

  export interface LeaseRequestTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export function encode (obj: Partial<LeaseRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LeaseRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaseRequest>): LeaseRequest {
    return decodeMessage(buf, LeaseRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaseRequest>): Generator<LeaseRequestVersionFieldEvent | LeaseRequestKindFieldEvent | LeaseRequestNameFieldEvent | LeaseRequestOwnerFieldEvent | LeaseRequestTokenFieldEvent | LeaseRequestTtlMsFieldEvent | LeaseRequestTimeFieldEvent> {
    return streamMessage(buf, LeaseRequest.codec(), opts)
  }
}

export interface LeaseReply {
  version: number
  granted: boolean
  reason: string
  holderOwner: string
  holderToken: string
  time?: number
}

export namespace LeaseReply {
  let _codec: Codec<LeaseReply>

  export const codec = (): Codec<LeaseReply> => {
    if (_codec == null) {
      _codec = message<LeaseReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.granted != null && obj.granted !== false)) {
          w.uint32(16)
          w.bool(obj.granted)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(26)
          w.string(obj.reason)
        }

        if ((obj.holderOwner != null && obj.holderOwner !== '')) {
          w.uint32(34)
          w.string(obj.holderOwner)
        }

        if ((obj.holderToken != null && obj.holderToken !== '')) {
          w.uint32(42)
          w.string(obj.holderToken)
        }

        if (obj.time != null) {
          w.uint32(120)
          w.uint64Number(obj.time)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          granted: false,
          reason: '',
          holderOwner: '',
          holderToken: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.granted = reader.bool()
              break
            }
            case 3: {
              obj.reason = reader.string()
              break
            }
            case 4: {
              obj.holderOwner = reader.string()
              break
            }
            case 5: {
              obj.holderToken = reader.string()
              break
            }
            case 15: {
              obj.time = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.granted`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.holderOwner`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.holderToken`,
                value: reader.string()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LeaseReplyVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface LeaseReplyGrantedFieldEvent {
    field: '$.granted'
    value: boolean
  }

  export interface LeaseReplyReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface LeaseReplyHolderOwnerFieldEvent {
    field: '$.holderOwner'
    value: string
  }

  export interface LeaseReplyHolderTokenFieldEvent {
    field: '$.holderToken'
    value: string
  }

  export interface LeaseReplyTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export function encode (obj: Partial<LeaseReply>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LeaseReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaseReply>): LeaseReply {
    return decodeMessage(buf, LeaseReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaseReply>): Generator<LeaseReplyVersionFieldEvent | LeaseReplyGrantedFieldEvent | LeaseReplyReasonFieldEvent | LeaseReplyHolderOwnerFieldEvent | LeaseReplyHolderTokenFieldEvent | LeaseReplyTimeFieldEvent> {
    return streamMessage(buf, LeaseReply.codec(), opts)
  }
}

export interface PushFrame {
  version: number
  origins: string[]
  entries: WireEntry[]
  offers: number
  view?: Uint8Array<ArrayBuffer>
  time?: number
}

export namespace PushFrame {
  let _codec: Codec<PushFrame>

  export const codec = (): Codec<PushFrame> => {
    if (_codec == null) {
      _codec = message<PushFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.origins != null && obj.origins.length > 0) {
          for (const value of obj.origins) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(26)
            WireEntry.codec().encode(value, w)
          }
        }

        if ((obj.offers != null && obj.offers !== 0)) {
          w.uint32(32)
          w.uint32(obj.offers)
        }

        if (obj.view != null) {
          w.uint32(42)
          w.bytes(obj.view)
        }

        if (obj.time != null) {
          w.uint32(120)
          w.uint64Number(obj.time)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          origins: [],
          entries: [],
          offers: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              if (opts.limits?.origins != null && obj.origins.length === opts.limits.origins) {
                throw new MaxLengthError('Decode error - repeated field "origins" had too many elements')
              }

              obj.origins.push(reader.string())
              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(WireEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 4: {
              obj.offers = reader.uint32()
              break
            }
            case 5: {
              obj.view = reader.bytes()
              break
            }
            case 15: {
              obj.time = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          origins: 0,
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              if (opts.limits?.origins != null && obj.origins === opts.limits.origins) {
                throw new MaxLengthError('Streaming decode error - repeated field "origins" had too many elements')
              }

              yield {
                field: `${prefix}.origins[]`,
                index: obj.origins,
                value: reader.string()
              }

              obj.origins++

              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of WireEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.offers`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.view`,
                value: reader.bytes()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PushFrameVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface PushFrameOriginsFieldEvent {
    field: '$.origins[]'
    index: number
    value: string
  }

  export interface PushFrameEntriesKeyFieldEvent {
    field: '$.entries[].key'
    value: string
    index: number
  }

  export interface PushFrameEntriesValueFieldEvent {
    field: '$.entries[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PushFrameEntriesWallFieldEvent {
    field: '$.entries[].wall'
    value: number
    index: number
  }

  export interface PushFrameEntriesCounterFieldEvent {
    field: '$.entries[].counter'
    value: number
    index: number
  }

  export interface PushFrameEntriesOriginFieldEvent {
    field: '$.entries[].origin'
    value: number
    index: number
  }

  export interface PushFrameEntriesExpiresAtFieldEvent {
    field: '$.entries[].expiresAt'
    value: number
    index: number
  }

  export interface PushFrameEntriesDeletedFieldEvent {
    field: '$.entries[].deleted'
    value: boolean
    index: number
  }

  export interface PushFrameEntriesSignatureFieldEvent {
    field: '$.entries[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PushFrameEntriesValueHashFieldEvent {
    field: '$.entries[].valueHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PushFrameEntriesStrippedFieldEvent {
    field: '$.entries[].stripped'
    value: boolean
    index: number
  }

  export interface PushFrameOffersFieldEvent {
    field: '$.offers'
    value: number
  }

  export interface PushFrameViewFieldEvent {
    field: '$.view'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PushFrameTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export function encode (obj: Partial<PushFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PushFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PushFrame>): PushFrame {
    return decodeMessage(buf, PushFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PushFrame>): Generator<PushFrameVersionFieldEvent | PushFrameOriginsFieldEvent | PushFrameEntriesKeyFieldEvent | PushFrameEntriesValueFieldEvent | PushFrameEntriesWallFieldEvent | PushFrameEntriesCounterFieldEvent | PushFrameEntriesOriginFieldEvent | PushFrameEntriesExpiresAtFieldEvent | PushFrameEntriesDeletedFieldEvent | PushFrameEntriesSignatureFieldEvent | PushFrameEntriesValueHashFieldEvent | PushFrameEntriesStrippedFieldEvent | PushFrameOffersFieldEvent | PushFrameViewFieldEvent | PushFrameTimeFieldEvent> {
    return streamMessage(buf, PushFrame.codec(), opts)
  }
}

export interface PushAck {
  version: number
  held: number[]
  view?: Uint8Array<ArrayBuffer>
  time?: number
}

export namespace PushAck {
  let _codec: Codec<PushAck>

  export const codec = (): Codec<PushAck> => {
    if (_codec == null) {
      _codec = message<PushAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.held != null && obj.held.length > 0) {
          for (const value of obj.held) {
            w.uint32(16)
            w.uint32(value)
          }
        }

        if (obj.view != null) {
          w.uint32(26)
          w.bytes(obj.view)
        }

        if (obj.time != null) {
          w.uint32(120)
          w.uint64Number(obj.time)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          held: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              if (opts.limits?.held != null && obj.held.length === opts.limits.held) {
                throw new MaxLengthError('Decode error - repeated field "held" had too many elements')
              }

              obj.held.push(reader.uint32())
              break
            }
            case 3: {
              obj.view = reader.bytes()
              break
            }
            case 15: {
              obj.time = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          held: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              if (opts.limits?.held != null && obj.held === opts.limits.held) {
                throw new MaxLengthError('Streaming decode error - repeated field "held" had too many elements')
              }

              yield {
                field: `${prefix}.held[]`,
                index: obj.held,
                value: reader.uint32()
              }

              obj.held++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.view`,
                value: reader.bytes()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PushAckVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface PushAckHeldFieldEvent {
    field: '$.held[]'
    index: number
    value: number
  }

  export interface PushAckViewFieldEvent {
    field: '$.view'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PushAckTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export function encode (obj: Partial<PushAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PushAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PushAck>): PushAck {
    return decodeMessage(buf, PushAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PushAck>): Generator<PushAckVersionFieldEvent | PushAckHeldFieldEvent | PushAckViewFieldEvent | PushAckTimeFieldEvent> {
    return streamMessage(buf, PushAck.codec(), opts)
  }
}

export interface CasBallot {
  n: number
  id: string
}

export namespace CasBallot {
  let _codec: Codec<CasBallot>

  export const codec = (): Codec<CasBallot> => {
    if (_codec == null) {
      _codec = message<CasBallot>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.n != null && obj.n !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.n)
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(18)
          w.string(obj.id)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          n: 0,
          id: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.n = reader.uint64Number()
              break
            }
            case 2: {
              obj.id = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.n`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CasBallotNFieldEvent {
    field: '$.n'
    value: number
  }

  export interface CasBallotIdFieldEvent {
    field: '$.id'
    value: string
  }

  export function encode (obj: Partial<CasBallot>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CasBallot.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CasBallot>): CasBallot {
    return decodeMessage(buf, CasBallot.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CasBallot>): Generator<CasBallotNFieldEvent | CasBallotIdFieldEvent> {
    return streamMessage(buf, CasBallot.codec(), opts)
  }
}

export interface CasProposal {
  present: boolean
  value: Uint8Array<ArrayBuffer>
  expiresAt: number
  history: CasBallot[]
}

export namespace CasProposal {
  let _codec: Codec<CasProposal>

  export const codec = (): Codec<CasProposal> => {
    if (_codec == null) {
      _codec = message<CasProposal>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.present != null && obj.present !== false)) {
          w.uint32(8)
          w.bool(obj.present)
        }

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.value)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.expiresAt)
        }

        if (obj.history != null && obj.history.length > 0) {
          for (const value of obj.history) {
            w.uint32(34)
            CasBallot.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          present: false,
          value: uint8ArrayAlloc(0),
          expiresAt: 0,
          history: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.present = reader.bool()
              break
            }
            case 2: {
              obj.value = reader.bytes()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 4: {
              if (opts.limits?.history != null && obj.history.length === opts.limits.history) {
                throw new MaxLengthError('Decode error - repeated field "history" had too many elements')
              }

              obj.history.push(CasBallot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.history$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          history: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.present`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              if (opts.limits?.history != null && obj.history === opts.limits.history) {
                throw new MaxLengthError('Streaming decode error - repeated field "history" had too many elements')
              }

              for (const evt of CasBallot.codec().stream(reader, reader.uint32(), `${prefix}.history[]`, {
                limits: opts.limits?.history$
              })) {
                yield {
                  ...evt,
                  index: obj.history
                }
              }

              obj.history++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CasProposalPresentFieldEvent {
    field: '$.present'
    value: boolean
  }

  export interface CasProposalValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CasProposalExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface CasProposalHistoryNFieldEvent {
    field: '$.history[].n'
    value: number
    index: number
  }

  export interface CasProposalHistoryIdFieldEvent {
    field: '$.history[].id'
    value: string
    index: number
  }

  export function encode (obj: Partial<CasProposal>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CasProposal.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CasProposal>): CasProposal {
    return decodeMessage(buf, CasProposal.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CasProposal>): Generator<CasProposalPresentFieldEvent | CasProposalValueFieldEvent | CasProposalExpiresAtFieldEvent | CasProposalHistoryNFieldEvent | CasProposalHistoryIdFieldEvent> {
    return streamMessage(buf, CasProposal.codec(), opts)
  }
}

export interface CasRequest {
  version: number
  kind: CasRequest.Kind
  key: string
  ballot?: CasBallot
  proposal?: CasProposal
  next?: CasBallot
  have?: CasBallot
  time?: number
}

export namespace CasRequest {
  export enum Kind {
    PREPARE = 'PREPARE',
    ACCEPT = 'ACCEPT'
  }

  enum __KindValues {
    PREPARE = 0,
    ACCEPT = 1
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<CasRequest>

  export const codec = (): Codec<CasRequest> => {
    if (_codec == null) {
      _codec = message<CasRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(16)
          CasRequest.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(26)
          w.string(obj.key)
        }

        if (obj.ballot != null) {
          w.uint32(34)
          CasBallot.codec().encode(obj.ballot, w)
        }

        if (obj.proposal != null) {
          w.uint32(42)
          CasProposal.codec().encode(obj.proposal, w)
        }

        if (obj.next != null) {
          w.uint32(50)
          CasBallot.codec().encode(obj.next, w)
        }

        if (obj.have != null) {
          w.uint32(58)
          CasBallot.codec().encode(obj.have, w)
        }

        if (obj.time != null) {
          w.uint32(120)
          w.uint64Number(obj.time)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          kind: Kind.PREPARE,
          key: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.kind = CasRequest.Kind.codec().decode(reader)
              break
            }
            case 3: {
              obj.key = reader.string()
              break
            }
            case 4: {
              obj.ballot = CasBallot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ballot
              })
              break
            }
            case 5: {
              obj.proposal = CasProposal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.proposal
              })
              break
            }
            case 6: {
              obj.next = CasBallot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.next
              })
              break
            }
            case 7: {
              obj.have = CasBallot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.have
              })
              break
            }
            case 15: {
              obj.time = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: CasRequest.Kind.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield * CasBallot.codec().stream(reader, reader.uint32(), `${prefix}.ballot`, {
                limits: opts.limits?.ballot
              })

              break
            }
            case 5: {
              yield * CasProposal.codec().stream(reader, reader.uint32(), `${prefix}.proposal`, {
                limits: opts.limits?.proposal
              })

              break
            }
            case 6: {
              yield * CasBallot.codec().stream(reader, reader.uint32(), `${prefix}.next`, {
                limits: opts.limits?.next
              })

              break
            }
            case 7: {
              yield * CasBallot.codec().stream(reader, reader.uint32(), `${prefix}.have`, {
                limits: opts.limits?.have
              })

              break
            }
            case 15: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CasRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface CasRequestKindFieldEvent {
    field: '$.kind'
    value: CasRequest.Kind
  }

  export interface CasRequestKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface CasRequestBallotNFieldEvent {
    field: '$.ballot.n'
    value: number
  }

  export interface CasRequestBallotIdFieldEvent {
    field: '$.ballot.id'
    value: string
  }

  export interface CasRequestProposalPresentFieldEvent {
    field: '$.proposal.present'
    value: boolean
  }

  export interface CasRequestProposalValueFieldEvent {
    field: '$.proposal.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CasRequestProposalExpiresAtFieldEvent {
    field: '$.proposal.expiresAt'
    value: number
  }

  export interface CasRequestProposalHistoryNFieldEvent {
    field: '$.proposal.history[].n'
    value: number
    index: number
  }

  export interface CasRequestProposalHistoryIdFieldEvent {
    field: '$.proposal.history[].id'
    value: string
    index: number
  }

  export interface CasRequestNextNFieldEvent {
    field: '$.next.n'
    value: number
  }

  export interface CasRequestNextIdFieldEvent {
    field: '$.next.id'
    value: string
  }

  export interface CasRequestHaveNFieldEvent {
    field: '$.have.n'
    value: number
  }

  export interface CasRequestHaveIdFieldEvent {
    field: '$.have.id'
    value: string
  }

  export interface CasRequestTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export function encode (obj: Partial<CasRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CasRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CasRequest>): CasRequest {
    return decodeMessage(buf, CasRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CasRequest>): Generator<CasRequestVersionFieldEvent | CasRequestKindFieldEvent | CasRequestKeyFieldEvent | CasRequestBallotNFieldEvent | CasRequestBallotIdFieldEvent | CasRequestProposalPresentFieldEvent | CasRequestProposalValueFieldEvent | CasRequestProposalExpiresAtFieldEvent | CasRequestProposalHistoryNFieldEvent | CasRequestProposalHistoryIdFieldEvent | CasRequestNextNFieldEvent | CasRequestNextIdFieldEvent | CasRequestHaveNFieldEvent | CasRequestHaveIdFieldEvent | CasRequestTimeFieldEvent> {
    return streamMessage(buf, CasRequest.codec(), opts)
  }
}

export interface CasReply {
  version: number
  kind: CasReply.Kind
  ballot?: CasBallot
  proposal?: CasProposal
  reason: string
  time?: number
}

export namespace CasReply {
  export enum Kind {
    PROMISED = 'PROMISED',
    ACCEPTED = 'ACCEPTED',
    REFUSED = 'REFUSED'
  }

  enum __KindValues {
    PROMISED = 0,
    ACCEPTED = 1,
    REFUSED = 2
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<CasReply>

  export const codec = (): Codec<CasReply> => {
    if (_codec == null) {
      _codec = message<CasReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(16)
          CasReply.Kind.codec().encode(obj.kind, w)
        }

        if (obj.ballot != null) {
          w.uint32(26)
          CasBallot.codec().encode(obj.ballot, w)
        }

        if (obj.proposal != null) {
          w.uint32(34)
          CasProposal.codec().encode(obj.proposal, w)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(42)
          w.string(obj.reason)
        }

        if (obj.time != null) {
          w.uint32(120)
          w.uint64Number(obj.time)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          kind: Kind.PROMISED,
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.kind = CasReply.Kind.codec().decode(reader)
              break
            }
            case 3: {
              obj.ballot = CasBallot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ballot
              })
              break
            }
            case 4: {
              obj.proposal = CasProposal.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.proposal
              })
              break
            }
            case 5: {
              obj.reason = reader.string()
              break
            }
            case 15: {
              obj.time = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: CasReply.Kind.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield * CasBallot.codec().stream(reader, reader.uint32(), `${prefix}.ballot`, {
                limits: opts.limits?.ballot
              })

              break
            }
            case 4: {
              yield * CasProposal.codec().stream(reader, reader.uint32(), `${prefix}.proposal`, {
                limits: opts.limits?.proposal
              })

              break
            }
            case 5: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CasReplyVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface CasReplyKindFieldEvent {
    field: '$.kind'
    value: CasReply.Kind
  }

  export interface CasReplyBallotNFieldEvent {
    field: '$.ballot.n'
    value: number
  }

  export interface CasReplyBallotIdFieldEvent {
    field: '$.ballot.id'
    value: string
  }

  export interface CasReplyProposalPresentFieldEvent {
    field: '$.proposal.present'
    value: boolean
  }

  export interface CasReplyProposalValueFieldEvent {
    field: '$.proposal.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CasReplyProposalExpiresAtFieldEvent {
    field: '$.proposal.expiresAt'
    value: number
  }

  export interface CasReplyProposalHistoryNFieldEvent {
    field: '$.proposal.history[].n'
    value: number
    index: number
  }

  export interface CasReplyProposalHistoryIdFieldEvent {
    field: '$.proposal.history[].id'
    value: string
    index: number
  }

  export interface CasReplyReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface CasReplyTimeFieldEvent {
    field: '$.time'
    value: number
  }

  export function encode (obj: Partial<CasReply>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CasReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CasReply>): CasReply {
    return decodeMessage(buf, CasReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CasReply>): Generator<CasReplyVersionFieldEvent | CasReplyKindFieldEvent | CasReplyBallotNFieldEvent | CasReplyBallotIdFieldEvent | CasReplyProposalPresentFieldEvent | CasReplyProposalValueFieldEvent | CasReplyProposalExpiresAtFieldEvent | CasReplyProposalHistoryNFieldEvent | CasReplyProposalHistoryIdFieldEvent | CasReplyReasonFieldEvent | CasReplyTimeFieldEvent> {
    return streamMessage(buf, CasReply.codec(), opts)
  }
}

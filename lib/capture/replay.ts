/**
 * Replaying a capture: split each block's events over the workers exactly
 * as the kernel shards them (by tgid and fd), so every connection's events
 * reach one worker in their original order.
 *
 * @module
 */
import { Layout, ringForConnection } from "../../ffi/shim.ts";
import type { ReplayOutput, ReplayPart, WorkerPool } from "../../workers/pool.ts";
import { CaptureError, CaptureReader } from "./format.ts";

/**
 * Splits one block into per-worker parts; `firstSeq` numbers its first
 * event, `ring` is the block's source ring.
 */
export function splitBlock(
  events: Uint8Array,
  ring: number,
  workers: number,
  firstSeq: number,
): { parts: ReplayPart[]; count: number } {
  const view = new DataView(events.buffer, events.byteOffset, events.length);
  if (workers === 1) return wholeBlock(events, view, ring);
  const ranges: number[][] = Array.from({ length: workers }, () => []);
  const sizes = new Array<number>(workers).fill(0);
  let off = 0;
  let count = 0;
  while (off + Layout.header.bytes <= events.length) {
    const size = view.getUint32(off, true);
    if (size < Layout.header.bytes || off + size > events.length) break;
    const stored = (size + 7) & ~7;
    const fd = view.getInt32(off + Layout.header.fd, true);
    if (fd < 0) {
      // Process exits concern every shard.
      for (let w = 0; w < workers; w++) {
        ranges[w]!.push(off, stored, firstSeq + count);
        sizes[w]! += stored;
      }
    } else {
      const w = ringForConnection(
        view.getUint32(off + Layout.header.tgid, true),
        fd,
        workers,
      );
      ranges[w]!.push(off, stored, firstSeq + count);
      sizes[w]! += stored;
    }
    count++;
    off += stored;
  }
  const parts = ranges.map((r, w) => {
    const bytes = sharedBytes(sizes[w]!);
    const seqs = new Float64Array(r.length / 3);
    let at = 0;
    for (let i = 0; i < r.length; i += 3) {
      bytes.set(events.subarray(r[i]!, r[i]! + r[i + 1]!), at);
      at += r[i + 1]!;
      seqs[i / 3] = r[i + 2]!;
    }
    return { bytes, seqs, sources: new Uint8Array(seqs.length).fill(ring) };
  });
  return { parts, count };
}

/**
 * Part bytes go to workers shared, not transferred: Deno's postMessage
 * copies a transferred buffer slowly (workers/line_buffer.ts), a plain
 * copy into shared memory is several times cheaper.
 */
function sharedBytes(length: number): Uint8Array<SharedArrayBuffer> {
  return new Uint8Array(new SharedArrayBuffer(length));
}

/**
 * One worker takes the block as it is: no copy when it is shared memory
 * already (CaptureReader's blocks are), and no sort keys, since there is
 * nothing to merge.
 */
function wholeBlock(events: Uint8Array, view: DataView, ring: number): { parts: ReplayPart[]; count: number } {
  let off = 0;
  let count = 0;
  while (off + Layout.header.bytes <= events.length) {
    const size = view.getUint32(off, true);
    if (size < Layout.header.bytes || off + size > events.length) break;
    count++;
    off += (size + 7) & ~7;
  }
  let bytes: Uint8Array<SharedArrayBuffer>;
  if (off === events.length && events.buffer instanceof SharedArrayBuffer) {
    bytes = events as Uint8Array<SharedArrayBuffer>;
  } else {
    bytes = sharedBytes(off);
    bytes.set(events.subarray(0, off));
  }
  return { parts: [{ bytes, seqs: new Float64Array(0), sources: new Uint8Array(count).fill(ring) }], count };
}

/**
 * How many block buffers a CaptureReader feeding {@linkcode replayBlocks}
 * may reuse in turn: a block is read while the one before is in flight,
 * and that one is done (its worker has copied it) before the next read.
 * Three leave a block of margin.
 */
export const REPLAY_BLOCK_BUFFERS = 3;

/** Outcome of a replay: events read, and the damage that stopped it, if any. */
export interface ReplayResult {
  events: number;
  error: CaptureError | null;
}

/**
 * Feeds every block of an opened capture through the pool; `onRecords`
 * gets each block's records in order. Stops at the first damaged block.
 */
export async function replayBlocks(
  reader: CaptureReader,
  pool: WorkerPool,
  onRecords: (out: ReplayOutput[]) => void,
  stopped: () => boolean,
): Promise<ReplayResult> {
  let seq = 0;
  // One block in flight while the next is read and split.
  let pending: Promise<ReplayOutput[]> | null = null;
  try {
    for (;;) {
      if (stopped()) break;
      const block = await reader.next();
      if (block === null) break;
      const { parts, count } = splitBlock(
        block.events,
        block.ring,
        pool.size,
        seq,
      );
      seq += count;
      const next = pool.replayBatch(parts);
      if (pending) onRecords(await pending);
      pending = next;
    }
    if (pending) onRecords(await pending);
    return { events: seq, error: null };
  } catch (error) {
    if (pending) onRecords(await pending);
    if (error instanceof CaptureError) return { events: seq, error };
    throw error;
  }
}

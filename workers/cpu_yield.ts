/**
 * When a worker gives its CPU to the traced application between chunks of
 * records, and how large those chunks are.
 *
 * On a box the application keeps busy, the worker's CPU is taken from it.
 * Worse, a woken nginx placed on the CPU where the worker is parsing waited
 * for the worker's whole batch (2.1 ms each time measured on the 2-CPU VM)
 * while the other CPU sat idle: traced, 20% of nginx's time went waiting
 * and 18-22% of the CPUs' time idle, against 2% and 5% with the same
 * capture and no parsing. Parsing 4 KiB at a time and yielding every
 * YIELD_EVERY_MS cut the idle share to 2-9% and raised traced nginx's
 * requests/s by about a sixth. Neither half works alone: 1 MiB chunks with
 * a yield, or 16 KiB chunks without, changed nothing.
 *
 * A worker that is behind neither yields nor takes small chunks (each chunk
 * is two FFI calls): it drains as fast as it can, since lost events cost
 * more than the application's wait.
 *
 * @module
 */

/** The least parsing between two yields. */
export const YIELD_EVERY_MS = 0.1;

/** The chunk a worker that keeps up parses between chances to yield. */
export const SMALL_CHUNK_BYTES = 4096;

/** The chunk a worker that is behind parses: the most the kernel gives at once. */
export const LARGE_CHUNK_BYTES = 1 << 20;

/**
 * The worker is behind once this share of its ring is waiting: a quarter
 * of the default 32 MiB ring is 16 ms of 16 KiB responses at the 500 MB/s
 * a saturated nginx writes on the VM. An eighth was too little to yield
 * at all under 16 KiB responses; a half lost events in one run of three.
 */
export const BEHIND_SHARE = 1 / 4;

/** Paces one worker's drain of one ring. */
export class CpuPacer {
  #ringBytes: number;
  #lastYield: number;
  #behind = false;

  /** A pacer for a ring of `ringBytes`, starting its clock at `now` (ms). */
  constructor(ringBytes: number, now: number) {
    this.#ringBytes = ringBytes;
    this.#lastYield = now;
  }

  /** The bytes to ask the ring for next. */
  chunkBytes(): number {
    return this.#behind ? LARGE_CHUNK_BYTES : SMALL_CHUNK_BYTES;
  }

  /**
   * Notes a chunk parsed and released at `now` with `waiting` bytes still in
   * the ring; returns whether to yield the CPU before the next.
   */
  afterChunk(now: number, waiting: number): boolean {
    this.#behind = waiting >= this.#ringBytes * BEHIND_SHARE;
    if (this.#behind || now - this.#lastYield < YIELD_EVERY_MS) return false;
    this.#lastYield = now;
    return true;
  }
}

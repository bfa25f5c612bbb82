/**
 * Emptying and dequeuing arrays on hot paths without runtime calls.
 *
 * Setting `length` goes through a runtime call and gives the backing store
 * back, so the next push allocates a new one: 45 ns for a one-element
 * array on the development VM, against 2 ns for pop(). shift() trims the
 * array's start in place, 33 ns. Short arrays are emptied and dequeued
 * with pop() and element moves instead; long ones keep the runtime's way,
 * which frees their storage and does not move every element.
 *
 * @module
 */

/** Arrays longer than this are emptied by setting their length. */
const SHORT = 32;

/** Empties `a`, keeping a short array's storage for the next pushes. */
export function clearArray(a: unknown[]): void {
  if (a.length > SHORT) {
    a.length = 0;
    return;
  }
  while (a.length !== 0) a.pop();
}

/** Removes the first `n` elements of `a` (0 <= n <= a.length). */
export function dropFront(a: unknown[], n: number): void {
  if (n === 0) return;
  const len = a.length;
  if (len - n > SHORT) {
    while (n-- > 0) a.shift();
    return;
  }
  for (let k = n; k < len; k++) a[k - n] = a[k];
  for (let k = 0; k < n; k++) a.pop();
}

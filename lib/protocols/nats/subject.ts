/**
 * NATS subject wildcards: tokens are separated by `.`, `*` matches one
 * token, `>` (last) matches one or more tokens.
 *
 * @module
 */

/** Whether `subject` matches the subject filter `filter`. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split("."), s = subject.split(".");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === ">") return i === f.length - 1 && s.length > i;
    if (i >= s.length) return false;
    if (f[i] !== "*" && f[i] !== s[i]) return false;
  }
  return f.length === s.length;
}

/** Whether `filter` is a valid subject filter: no empty token, `>` only as the whole last token. */
export function validSubjectFilter(filter: string): boolean {
  if (filter === "" || /[\s]/.test(filter)) return false;
  const f = filter.split(".");
  return f.every((t, i) =>
    t !== "" && (t === ">" ? i === f.length - 1 : !t.includes(">")) && (t === "*" || !t.includes("*"))
  );
}

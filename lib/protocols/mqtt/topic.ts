/**
 * MQTT topic filter matching (3.1.1 §4.7, 5.0 §4.7): `+` matches one
 * level, `#` (last) matches the rest, including the parent level itself;
 * topics starting with `$` are not matched by a filter starting with a
 * wildcard.
 *
 * @module
 */

/** Whether `topic` matches the topic filter `filter`. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const f = filter.split("/"), t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether `filter` is a valid topic filter: `#` only as a whole last level, `+` only as a whole level. */
export function validFilter(filter: string): boolean {
  if (filter === "") return false;
  const f = filter.split("/");
  return f.every((level, i) =>
    (level === "#" ? i === f.length - 1 : !level.includes("#")) && (level === "+" || !level.includes("+"))
  );
}

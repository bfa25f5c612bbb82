/**
 * Name-value fields (HTTP headers) as plain object literals.
 *
 * A plain `{}` keeps V8's fastest JSON.stringify path: a header object
 * with any other prototype (even an empty one) took 3x as long to
 * serialise, a third of the cost of rendering an HTTP record. Names that
 * Object.prototype already answers (`__proto__`, `constructor`) are
 * defined as own properties instead of assigned, so they are kept as data.
 *
 * @module
 */

/** Field objects: own string-valued properties only. */
export type FieldMap = Record<string, string>;

/** A new, empty field object. */
export function newFields(): FieldMap {
  return {};
}

/** Adds `name: value`, joining a repeated name's values with ", " (RFC 9110 §5.3). */
export function addField(fields: FieldMap, name: string, value: string): void {
  const prev: unknown = fields[name];
  if (prev === undefined) fields[name] = value;
  else if (typeof prev === "string") setField(fields, name, prev + ", " + value);
  else setField(fields, name, value);
}

/** Sets `name` to `value` as an own property, whatever the name. */
export function setField(fields: FieldMap, name: string, value: string): void {
  const prev: unknown = fields[name];
  if (name === "__proto__" || (prev !== undefined && typeof prev !== "string")) {
    Object.defineProperty(fields, name, { value, writable: true, enumerable: true, configurable: true });
  } else fields[name] = value;
}

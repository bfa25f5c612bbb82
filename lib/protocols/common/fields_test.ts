import assert from "node:assert/strict";
import { addField, getField, newFields, setField } from "./fields.ts";

Deno.test("addField joins repeated names and keeps inherited names as own data", () => {
  const f = newFields();
  for (const [k, v] of [["a", "1"], ["__proto__", "p"], ["constructor", "c"], ["a", "2"], ["__proto__", "q"]]) {
    addField(f, k!, v!);
  }
  assert.deepEqual(Object.entries(f), [["a", "1, 2"], ["__proto__", "p, q"], ["constructor", "c"]]);
  assert.equal(Object.getPrototypeOf(f), Object.prototype);
  assert.equal(JSON.stringify(f), '{"a":"1, 2","__proto__":"p, q","constructor":"c"}');
});

Deno.test("setField replaces; getField never answers with an inherited property", () => {
  const f = newFields();
  setField(f, "tostring", "x");
  setField(f, "toString", "y");
  setField(f, "toString", "z");
  assert.deepEqual(Object.entries(f), [["tostring", "x"], ["toString", "z"]]);
  assert.equal(getField(newFields(), "constructor"), undefined);
  assert.equal(getField(newFields(), "__proto__"), undefined);
  assert.equal(getField(f, "toString"), "z");
});

import assert from "node:assert/strict";
import { addField, newFields, setField } from "./fields.ts";

Deno.test("addField joins repeated names and keeps inherited names as own data", () => {
  const f = newFields();
  for (const [k, v] of [["a", "1"], ["__proto__", "p"], ["constructor", "c"], ["a", "2"], ["__proto__", "q"]]) {
    addField(f, k!, v!);
  }
  assert.deepEqual(Object.entries(f), [["a", "1, 2"], ["__proto__", "p, q"], ["constructor", "c"]]);
  assert.equal(Object.getPrototypeOf(f), Object.prototype);
  assert.equal(JSON.stringify(f), '{"a":"1, 2","__proto__":"p, q","constructor":"c"}');
});

Deno.test("setField replaces, and defines names the prototype has as own data", () => {
  const f = newFields();
  setField(f, "tostring", "x");
  setField(f, "toString", "y");
  setField(f, "toString", "z");
  assert.deepEqual(Object.entries(f), [["tostring", "x"], ["toString", "z"]]);
  assert.equal(Object.getPrototypeOf(f), Object.prototype);
  assert.equal(JSON.stringify(f), '{"tostring":"x","toString":"z"}');
});

/**
 * MQTT command-line filters: `--type`, `--topic`, `--client-id`.
 *
 * @module
 */
import { type FilterSpec, listValues } from "../common/filter.ts";
import { topicMatches, validFilter } from "./topic.ts";
import type { MqttRequest } from "./types.ts";
import { TYPE_NAMES } from "./wire.ts";

function flagList(values: Readonly<Record<string, readonly string[]>>, flag: string): string[] | null {
  const raw = values[flag];
  if (raw === undefined) return null;
  const list = listValues(raw);
  if (list.length === 0) throw new RangeError(`Invalid value for --${flag}: '${raw.join(",")}' names nothing`);
  return list;
}

/** The topics a record is about: a PUBLISH's topic, a SUBSCRIBE's or UNSUBSCRIBE's filters. */
function topicsOf(q: MqttRequest): string[] {
  if (typeof q.topic === "string") return [q.topic];
  if (Array.isArray(q.subscriptions)) return q.subscriptions.map((s) => s.topic);
  if (Array.isArray(q.topics)) return q.topics;
  return [];
}

/** The MQTT {@linkcode FilterSpec}; flags combine with AND, list items with OR. */
export const filters: FilterSpec = {
  flags: {
    type: "keep these packet types (comma list, any case: CONNECT, PUBLISH, SUBSCRIBE, PINGREQ, ...)",
    topic: "keep PUBLISH topics and (UN)SUBSCRIBE filters that match one of these (+ and # wildcards; comma list)",
    "client-id": "keep records of connections with one of these client identifiers (comma list)",
  },

  build(values) {
    const types = flagList(values, "type");
    const topics = flagList(values, "topic");
    const ids = flagList(values, "client-id");
    if (!types && !topics && !ids) return null;
    const wanted = types && new Set(types.map((t) => t.toUpperCase()));
    for (const t of wanted ?? []) {
      if (!TYPE_NAMES.includes(t) || t === "RESERVED") {
        throw new RangeError(`Invalid value for --type: '${t}' is not an MQTT packet type`);
      }
    }
    for (const f of topics ?? []) {
      if (!validFilter(f)) throw new RangeError(`Invalid value for --topic: '${f}' is not a valid topic filter`);
    }
    const idSet = ids && new Set(ids);
    return (req) => {
      const q = req as MqttRequest | null;
      if (!q || typeof q.type !== "string") return false;
      if (wanted && !wanted.has(q.type)) return false;
      if (idSet && (typeof q.client_id !== "string" || !idSet.has(q.client_id))) return false;
      if (topics && !topicsOf(q).some((t) => topics.some((f) => topicMatches(f, t)))) return false;
      return true;
    };
  },
};

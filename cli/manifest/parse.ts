/**
 * Parse manifest sources into objects, remembering where each came from so every message can say
 * `web.yaml:12:7: ...`. Multi-document YAML, JSON, and `kind: List` are all accepted.
 */
import YAML, { LineCounter, isMap, type Document } from "yaml";
import { UserError } from "../errors-output.js";
import type { Source } from "./sources.js";
import { collectionKey, composeMessage, findTemplateAction, templateMessage } from "./not-a-manifest.js";

/** One object from a manifest. */
export interface ManifestObject {
  obj: Record<string, unknown>;
  /** source name, e.g. `web.yaml` */
  source: string;
  /** 1-based document index in the source */
  index: number;
  /** `web.yaml:3:7` for a field path inside this object (or the object's start) */
  where(field?: string): string;
}

/** `web.yaml:3:7: message` */
export class ManifestError extends UserError {}

function cleanYamlMessage(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** Parse one source. Throws a ManifestError on the first YAML syntax error. */
export function parseSource(src: Source): ManifestObject[] {
  // A Helm template is said to be one before the YAML parser trips over its first `{{`.
  const helm = findTemplateAction(src.text);
  if (helm) throw new ManifestError(templateMessage(src.name, helm));
  const lc = new LineCounter();
  // logLevel "error": the library's warnings (e.g. "Keys with collection values will be
  // stringified") must never reach the user; what they warn about is an error here instead.
  const docs = YAML.parseAllDocuments(src.text, { lineCounter: lc, prettyErrors: true, uniqueKeys: false, logLevel: "error" });
  const list: Document[] = Array.isArray(docs) ? docs : [docs as unknown as Document];
  const out: ManifestObject[] = [];
  let index = 0;
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const template = findTemplateAction(src.text, true);
      if (template) throw new ManifestError(templateMessage(src.name, template));
      const pos = err.linePos?.[0];
      throw new ManifestError(`${src.name}:${pos ? `${pos.line}:${pos.col}` : "1:1"}: ${cleanYamlMessage(err.message)}`);
    }
    const badKey = collectionKey(doc, lc, src.text);
    if (badKey) {
      const template = findTemplateAction(src.text, true);
      if (template) throw new ManifestError(templateMessage(src.name, template));
      throw new ManifestError(`${src.name}:${badKey.line}:${badKey.col}: a mapping or list is used as a key (${badKey.text}); manifest keys are plain names`);
    }
    const compose = composeMessage(src.name, doc, lc);
    if (compose) throw new ManifestError(compose);
    index++;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue; // empty document (e.g. a trailing ---)
    const at = (path: (string | number)[]): string => {
      let node: unknown = path.length ? doc.getIn(path, true) : doc.contents;
      // fall back to the closest existing parent
      for (let p = path.slice(0, -1); !node && p.length >= 0; p = p.slice(0, -1)) {
        node = p.length ? doc.getIn(p, true) : doc.contents;
        if (p.length === 0) break;
      }
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      const pos = lc.linePos(range ? range[0] : 0);
      return `${src.name}:${pos.line}:${pos.col}`;
    };
    if (typeof value !== "object" || Array.isArray(value) || !isMap(doc.contents)) {
      throw new ManifestError(`${at([])}: document ${index} is not an object (expected apiVersion, kind, metadata)`);
    }
    const obj = value as Record<string, unknown>;
    if (obj.kind === "List" && Array.isArray(obj.items)) {
      obj.items.forEach((item, i) => {
        if (!item || typeof item !== "object" || Array.isArray(item)) throw new ManifestError(`${at(["items", i])}: list item ${i} is not an object`);
        out.push({ obj: item as Record<string, unknown>, source: src.name, index, where: (f) => at(["items", i, ...(f ? f.split(".") : [])]) });
      });
      continue;
    }
    out.push({ obj, source: src.name, index, where: (f) => at(f ? f.split(".") : []) });
  }
  return out;
}

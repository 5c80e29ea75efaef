/**
 * Recognise the files people pass to `apply -f` that are not Kubernetes manifests, so the message
 * says what the file is rather than what the YAML parser tripped on: a Helm/Go template (render
 * it first), a Docker Compose file (kctl reads Kubernetes manifests), or a mapping used as a key
 * (which the YAML library would otherwise stringify, with a warning, into nonsense).
 */
import { isCollection, isMap, isScalar, visit, type Document, type LineCounter } from "yaml";

/** `{{ .Values.x }}`, `{{- if ... }}`, `{{ include ... }}`: Helm's and Go templates' actions. */
const HELM_ACTION = /\{\{-?\s*(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|\.Template|include\b|template\b|toYaml\b|if\b|else\b|end\b|range\b|with\b|define\b|tpl\b|required\b|default\b)/;
/** Any `{{ ... }}` (a ConfigMap may hold templates of its own, e.g. Prometheus' `{{ $labels.x }}`). */
const ANY_ACTION = /\{\{.*?\}\}/;

/** Where a template action is: 1-based line and column, and the action's text. */
export interface TemplateAction {
  line: number;
  col: number;
  text: string;
}

/**
 * The first Helm-style template action in the text (outside comments), or, when `anyAction` is
 * true (the YAML did not parse as a manifest anyway), the first `{{ ... }}` of any kind.
 */
export function findTemplateAction(text: string, anyAction = false): TemplateAction | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trimStart().startsWith("#")) continue;
    const m = HELM_ACTION.exec(line) ?? (anyAction ? ANY_ACTION.exec(line) : null);
    if (m) {
      const close = line.indexOf("}}", m.index);
      return { line: i + 1, col: m.index + 1, text: close === -1 ? line.slice(m.index).trim() : line.slice(m.index, close + 2) };
    }
  }
  return undefined;
}

/** The one-line message for a template. */
export function templateMessage(source: string, t: TemplateAction): string {
  return `${source}:${t.line}:${t.col}: this is a template, not a manifest (${t.text}): render it first (e.g. helm template), then apply the output`;
}

/** Top-level keys of a Compose file that a Kubernetes object never has at the top. */
const COMPOSE_KEYS = new Set(["services", "networks", "volumes", "configs", "secrets", "x-", "version", "name", "include"]);

/**
 * When a document is a Compose file (a top-level `services:` map, no apiVersion/kind): the
 * message naming where `services:` is.
 */
export function composeMessage(source: string, doc: Document, lc: LineCounter): string | undefined {
  if (!isMap(doc.contents)) return undefined;
  const keys = doc.contents.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ""));
  if (!keys.includes("services") || keys.includes("apiVersion") || keys.includes("kind")) return undefined;
  if (!keys.every((k) => COMPOSE_KEYS.has(k) || k.startsWith("x-"))) return undefined;
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "services");
  const pos = lc.linePos((isScalar(pair?.key) && pair.key.range?.[0]) || 0);
  return `${source}:${pos.line}:${pos.col}: this is a Docker Compose file (services:), not a Kubernetes manifest: kctl reads Kubernetes manifests (apiVersion, kind, metadata, spec); convert it first (e.g. kompose convert)`;
}

/** The first mapping or list used as a key (`{a: b}: c`), as `line:col` and its text, if any. */
export function collectionKey(doc: Document, lc: LineCounter, text: string): { line: number; col: number; text: string } | undefined {
  let found: { line: number; col: number; text: string } | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key) && pair.key.range) {
        const pos = lc.linePos(pair.key.range[0]);
        found = { line: pos.line, col: pos.col, text: text.slice(pair.key.range[0], pair.key.range[1]).trim() };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

import { describe, expect, it } from "vitest";
import { columnsFor } from "../../cli/printers/columns/index.js";
import { cliPrinterFor, printerFor } from "../../lib/printers/index.js";
import type { Deployment, Event, KObject } from "../../lib/types.js";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const ago = (min: number) => new Date(NOW - min * 60_000).toISOString().replace(/\.\d+Z$/, "Z");

describe("lib/printers", () => {
  it("every core kind has one printer, and kctl get prints it (events aside)", () => {
    for (const kind of ["Pod", "Deployment", "ReplicaSet", "Service", "Endpoints", "Node", "Namespace", "ConfigMap", "Secret", "Lease"]) {
      expect(printerFor(kind), kind).toBeDefined();
      expect(cliPrinterFor(kind), kind).toBe(printerFor(kind));
    }
    expect(cliPrinterFor("Event")).not.toBe(printerFor("Event"));
    expect(printerFor("Widget")).toBeUndefined();
  });

  it("a selector prints as kubectl's FormatLabelSelector: requirements sorted by key, expressions included", () => {
    const d: Deployment = {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", creationTimestamp: ago(1) },
      spec: { selector: { matchLabels: { tier: "a", app: "x" }, matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }, { key: "beta", operator: "DoesNotExist" }] }, template: { spec: { containers: [] } } },
    };
    expect(printerFor("Deployment")!.cells(d, NOW).at(-1)).toBe("app=x,!beta,env in (dev,prod),tier=a");
    expect(printerFor("Deployment")!.cells({ ...d, spec: { ...d.spec, selector: {} } } as KObject, NOW).at(-1)).toBe("<none>");
  });

  it("an event's LAST SEEN: the last occurrence for the server's Table, `last (xN over first)` for kctl get", () => {
    const ev: Event = {
      apiVersion: "v1", kind: "Event", metadata: { name: "e", creationTimestamp: ago(60) }, involvedObject: { kind: "Pod", name: "p" },
      firstTimestamp: ago(60), lastTimestamp: ago(15), count: 4,
    };
    const server = printerFor("Event")!.cells(ev, NOW);
    const cli = cliPrinterFor("Event")!.cells(ev, NOW);
    expect(server[0]).toBe("15m");
    expect(cli[0]).toBe("15m (x4 over 60m)");
    expect(cli.slice(1)).toEqual(server.slice(1));
    expect(printerFor("Event")!.cells({ ...ev, count: 1, lastTimestamp: undefined }, NOW)[0]).toBe("60m");
  });

  it("kctl get appends the wide columns after the default ones; a kind without a printer gets NAME AGE", () => {
    const ev = columnsFor("Event");
    expect(ev.headers).toEqual(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    expect(ev.wide).toEqual(["SUBOBJECT", "SOURCE", "FIRST SEEN", "COUNT", "NAME"]);
    const plain = columnsFor("Widget");
    expect([plain.headers, plain.wide]).toEqual([["NAME", "AGE"], []]);
    expect(plain.row({ apiVersion: "x/v1", kind: "Widget", metadata: { name: "w", creationTimestamp: ago(3) } }, NOW, true)).toEqual(["w", "3m"]);
  });
});

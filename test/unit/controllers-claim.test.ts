/** The shared claim (controllers/util/claim.ts): Kubernetes' ControllerRefManager rules as a table. */
import { describe, expect, it } from "vitest";
import { selectorFromLabelSelector } from "../../lib/selector.js";
import type { KObject } from "../../lib/types.js";
import { claim } from "../../controllers/util/claim.js";

const owner = (deleting = false): KObject => ({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "rs", namespace: "ns", uid: "owner", ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) } });
const obj = (name: string, o: { app?: string; controller?: string; ns?: string; deleting?: boolean } = {}): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace: o.ns ?? "ns",
    labels: { app: o.app ?? "web" },
    ...(o.controller ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "x", uid: o.controller, controller: true }] } : {}),
    ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
  },
});
const selector = selectorFromLabelSelector({ matchLabels: { app: "web" } });
const names = (xs: KObject[]) => xs.map((x) => x.metadata.name);

describe("claim", () => {
  const candidates = [
    obj("mine"),
    obj("mine-strayed", { app: "db" }),
    obj("orphan"),
    obj("orphan-other-labels", { app: "db" }),
    obj("orphan-deleting", { deleting: true }),
    obj("someone-elses", { controller: "other" }),
    obj("other-namespace", { ns: "elsewhere" }),
  ].map((o) => (o.metadata.name?.startsWith("mine") ? { ...o, metadata: { ...o.metadata, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "owner", controller: true }] } } : o));

  it.each([
    ["a live owner claims its matching objects, adopts matching orphans, releases strays", false, { claimed: ["mine", "orphan"], adopt: ["orphan"], release: ["mine-strayed"] }],
    ["an owner being deleted adopts and releases nothing", true, { claimed: ["mine"], adopt: [], release: [] }],
  ])("%s", (_what, deleting, want) => {
    const c = claim(owner(deleting), selector, candidates);
    expect({ claimed: names(c.claimed), adopt: names(c.adopt), release: names(c.release) }).toEqual(want);
  });

  it("hands out what `adopted` makes of an orphan, in both lists", () => {
    const c = claim(owner(), selector, [obj("orphan")], (o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, adopted: "yes" } } }));
    expect(c.adopt[0]!.metadata.labels?.adopted).toBe("yes");
    expect(c.claimed[0]).toBe(c.adopt[0]);
  });
});

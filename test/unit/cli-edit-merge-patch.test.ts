/** kctl edit's two-way merge patch: only what the editor changed, removed keys as null, lists whole. */
import { describe, expect, it } from "vitest";
import { applyMergePatch } from "../../lib/json.js";
import { createMergePatch } from "../../cli/edit/merge-patch.js";
import { editFileText, stripComments } from "../../cli/edit/edit-file.js";

describe("edit merge patch", () => {
  const original = { kind: "Deployment", metadata: { name: "web", labels: { a: "1", b: "2" } }, spec: { replicas: 1, template: { spec: { containers: [{ name: "c", image: "x:1" }, { name: "d", image: "y" }] } } } };

  it.each([
    ["unchanged", original, {}],
    ["a scalar", { ...original, spec: { ...original.spec, replicas: 3 } }, { spec: { replicas: 3 } }],
    ["a removed label", { ...original, metadata: { name: "web", labels: { a: "1" } } }, { metadata: { labels: { b: null } } }],
    [
      "a list, sent whole",
      { ...original, spec: { ...original.spec, template: { spec: { containers: [{ name: "c", image: "x:2" }] } } } },
      { spec: { template: { spec: { containers: [{ name: "c", image: "x:2" }] } } } },
    ],
  ])("%s", (_name, edited, want) => {
    const patch = createMergePatch(original, edited as Record<string, unknown>);
    expect(patch).toEqual(want);
    expect(applyMergePatch(original, patch)).toEqual(edited);
  });

  it("the file: kubectl's header, the error as comments, comments dropped when read back", () => {
    const text = editFileText("kind: Pod\n", 'pods "p" was not valid:\n* bad');
    expect(text).toBe(
      "# Please edit the object below. Lines beginning with a '#' will be ignored,\n" +
        "# and an empty file will abort the edit. If an error occurs while saving this file will be\n" +
        "# reopened with the relevant failures.\n#\n" +
        '# pods "p" was not valid:\n# * bad\n#\nkind: Pod\n',
    );
    expect(stripComments(text)).toBe("kind: Pod\n");
  });
});

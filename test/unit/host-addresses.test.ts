/** The addresses the serving certificate covers: loopback and this host's, never link-local ones. */
import { describe, expect, it } from "vitest";
import { hostAddresses } from "../../apiserver/pki/host-addresses.js";

describe("hostAddresses", () => {
  it("covers loopback and the host name, and leaves out link-local addresses (a container's veth brings a new fe80:: one)", () => {
    const a = hostAddresses();
    expect(a).toEqual(expect.arrayContaining(["localhost", "127.0.0.1", "::1"]));
    expect(a.filter((x) => /^fe[89ab][0-9a-f]:/i.test(x) || x.startsWith("169.254."))).toEqual([]);
    expect(a.every((x) => !x.includes("%"))).toBe(true);
  });
});

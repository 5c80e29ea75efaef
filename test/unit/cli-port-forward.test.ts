import { describe, expect, it } from "vitest";
import { parsePortSpecs } from "../../cli/port-forward-target.js";

describe("kctl port-forward port specs", () => {
  it("REMOTE, LOCAL:REMOTE, :REMOTE and named remote ports", () => {
    expect(parsePortSpecs(["8080", "http", "5000:80", ":9090", ":http"])).toEqual([
      { local: 0, remote: "8080", localFromRemote: true },
      { local: 0, remote: "http", localFromRemote: true },
      { local: 5000, remote: "80", localFromRemote: false },
      { local: 0, remote: "9090", localFromRemote: false },
      { local: 0, remote: "http", localFromRemote: false },
    ]);
  });

  it("refuses malformed specs with kubectl's messages", () => {
    expect(() => parsePortSpecs([])).toThrow("TYPE/NAME and list of ports are required for port-forward");
    expect(() => parsePortSpecs(["1:2:3"])).toThrow("invalid port format '1:2:3'");
    expect(() => parsePortSpecs(["x:80"])).toThrow("error parsing local port 'x'");
    expect(() => parsePortSpecs(["70000:80"])).toThrow("error parsing local port '70000'");
    expect(() => parsePortSpecs(["8080:0"])).toThrow("remote port must be > 0 and < 65536, got 0");
    expect(() => parsePortSpecs(["8080:"])).toThrow("remote port must be > 0");
  });
});

/**
 * Log format of the long-running commands, as a user sees it: one readable line per entry on a
 * terminal (a real pseudo-terminal through util-linux `script`), JSON lines through a pipe, and
 * `--log-format` / `--log-level` overriding either. Real `kctl server` / `kctl scheduler` processes.
 */
import { afterAll, describe, expect, it } from "vitest";
import { kctl, startKctl } from "../helpers/cli.js";
import { eventually } from "../helpers/eventually.js";
import { startKctlServer, type KctlServerProcess } from "../helpers/kctl-server.js";

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
/** `[09:01:27.123] INFO: apiserver: API server listening {...}` */
const TEXT_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): [a-z-]+(\/[a-z-]+)?( \S+)?: \S/;

function logLines(text: string): string[] {
  return text
    .replace(ANSI, "")
    .split(/\r?\n/)
    .filter((l) => l.startsWith("[") || l.startsWith("{"));
}

const servers: KctlServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function serverOutput(opts: Parameters<typeof startKctlServer>[0]): Promise<{ srv: KctlServerProcess; lines: string[]; url: string }> {
  const srv = startKctlServer(opts);
  servers.push(srv);
  const url = await srv.ready();
  // The "controllers started" entry is logged before the summary; wait for the scheduler's too.
  const all = () => srv.stdout() + srv.stderr();
  await eventually("scheduler start-up log entry", () => /scheduler started/.test(all()));
  return { srv, url, lines: logLines(all()) };
}

describe("kctl server log format", () => {
  it("prints one readable line per entry on a terminal", async () => {
    const { lines } = await serverOutput({ tty: true, args: ["--no-kubelet"] });
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l).toMatch(TEXT_LINE);
    expect(lines.some((l) => /INFO: apiserver: API server listening/.test(l))).toBe(true);
    expect(lines.some((l) => /INFO: scheduler: scheduler started/.test(l))).toBe(true);
  });

  it("prints JSON lines through a pipe, with the component bound", async () => {
    const { srv, lines } = await serverOutput({ args: ["--no-kubelet"] });
    expect(logLines(srv.stdout())).toEqual([]); // logs go to stderr, the summary to stdout
    const entries = lines.map((l) => JSON.parse(l) as { level: number; component?: string; msg: string });
    expect(entries.length).toBeGreaterThan(2);
    expect(entries.find((e) => e.msg === "API server listening")?.component).toBe("apiserver");
  });

  it("--log-format json on a terminal, and --log-format text through a pipe", async () => {
    const onTty = await serverOutput({ tty: true, args: ["--no-kubelet", "--log-format", "json"] });
    for (const l of onTty.lines) expect(() => JSON.parse(l)).not.toThrow();
    const onPipe = await serverOutput({ args: ["--no-kubelet", "--log-format", "text"] });
    expect(onPipe.srv.stderr()).not.toMatch(ANSI); // no colours in a file or a pipe
    for (const l of onPipe.lines) expect(l).toMatch(TEXT_LINE);
  });

  it("--log-level warn hides info entries; --log-level debug on a standalone component shows more", async () => {
    const quiet = await startKctlServer({ args: ["--no-kubelet", "--log-level", "warn"] });
    servers.push(quiet);
    const url = await quiet.ready();
    expect(logLines(quiet.stderr()).filter((l) => l.includes('"level":30'))).toEqual([]);
    // `kctl scheduler` is a long-running command too: same flags.
    const sched = startKctl(["scheduler", "--log-level", "debug", "--log-format", "text", "--kubeconfig", quiet.kubeconfig, "--server", url]);
    try {
      await eventually("scheduler text log", () => /INFO: scheduler: scheduler started/.test(sched.stderr()));
      expect(sched.stderr()).toMatch(/DEBUG: scheduler\/Pod: listed/);
      expect(sched.stderr()).not.toContain('{"level"');
    } finally {
      await sched.kill();
    }
  });

  it("refuses a bad --log-format or --log-level in one line, before starting", async () => {
    for (const [flag, value] of [["--log-format", "xml"], ["--log-level", "loud"]] as const) {
      const r = await kctl(["server", "--no-kubelet", "--listen", "127.0.0.1:0", "--data-dir", "/nonexistent/never-created", flag, value]);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining(`${flag}: "${value}" is not one of`)]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

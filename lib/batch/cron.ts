/**
 * CronJob schedules: Kubernetes' syntax (five fields, or one of the macros @yearly, @annually,
 * @monthly, @weekly, @daily, @midnight, @hourly) in an IANA time zone, parsed by cron-parser.
 * What cron-parser accepts beyond Kubernetes' robfig/cron standard parser (a seconds field,
 * `L`, `W`, `#`, `H`) is refused here, so a schedule kctl takes is one Kubernetes takes too.
 */
import { createRequire } from "node:module";

type CronParser = typeof import("cron-parser").CronExpressionParser;
let cronParser: CronParser | undefined;

/**
 * cron-parser, loaded on the first schedule parsed: with luxon under it, it is ~350 KB of code
 * that every `kctl server` start would otherwise compile before its node is Ready, for clusters
 * that may never see a CronJob.
 */
function parser(): CronParser {
  cronParser ??= (createRequire(import.meta.url)("cron-parser") as typeof import("cron-parser")).CronExpressionParser;
  return cronParser;
}

const MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/** A parsed schedule: the times it fires, as Dates. */
export interface Schedule {
  /** The first fire time strictly after `t`. */
  nextAfter(t: Date): Date;
  /** The last fire time at or before `t`, or undefined if none in the last 8 years. */
  lastAtOrBefore(t: Date): Date | undefined;
}

/** Why a schedule is invalid (Kubernetes-style message), or undefined when it is fine. */
export function scheduleError(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s === "") return "schedule must not be empty";
  if (/^(CRON_)?TZ=/.test(s)) return "cannot use TZ or CRON_TZ in schedule, use timeZone field instead";
  if (s.startsWith("@")) return MACROS.has(s) ? undefined : `unrecognized descriptor: ${s}`;
  const fields = s.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${s}`;
  if (fields.some((f) => /[#]|(^|[^A-Z])[LWH]([^A-Z]|$)/i.test(f))) return `unsupported cron syntax (L, W, # or H): ${s}`;
  try {
    parser().parse(s, { tz: "UTC" });
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** Whether `tz` names an IANA time zone this runtime knows (Kubernetes' timeZone field). */
export function isValidTimeZone(tz: string): boolean {
  if (tz === "" || tz.toLowerCase() === "local") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parse a schedule (already validated) in time zone `tz` (default UTC, as kube-controller-manager in a container). */
export function parseSchedule(schedule: string, tz = "UTC"): Schedule {
  const expr = schedule.trim();
  const err = scheduleError(expr);
  if (err) throw new Error(err);
  const at = (t: Date) => parser().parse(expr, { currentDate: t, tz });
  return {
    nextAfter: (t) => at(t).next().toDate(),
    lastAtOrBefore: (t) => {
      // prev() is strictly before currentDate: ask from one millisecond later to include `t`.
      try {
        const d = at(new Date(t.getTime() + 1)).prev().toDate();
        return t.getTime() - d.getTime() > 8 * 365 * 86_400_000 ? undefined : d;
      } catch {
        return undefined;
      }
    },
  };
}

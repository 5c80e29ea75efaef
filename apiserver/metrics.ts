/**
 * Prometheus metrics, written in the text exposition format by hand: request counts and latency
 * histograms by verb and resource, plus gauges read at scrape time.
 */

const START_TIME_SECONDS = Math.round((Date.now() - performance.now()) / 1000);

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** Gauges sampled when /metrics is scraped. */
export interface GaugeSource {
  openWatches(): number;
  currentRevision(): number;
  compactedRevision(): number;
  storeSizeBytes(): number;
  objectCount(): number;
  watchCutoffs(): number;
}

/** Request metrics of the API server. */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();

  /** Record one finished request. */
  observe(verb: string, resource: string, code: number, seconds: number): void {
    const rk = `${verb}\u0000${resource}\u0000${code}`;
    this.requests.set(rk, (this.requests.get(rk) ?? 0) + 1);
    if (verb === "watch") return; // a watch's duration is its lifetime, not a latency
    const lk = `${verb}\u0000${resource}`;
    let h = this.latency.get(lk);
    if (!h) this.latency.set(lk, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /** The exposition text. */
  render(g: GaugeSource): string {
    const out: string[] = [];
    out.push("# HELP apiserver_request_total Requests by verb, resource and HTTP code.", "# TYPE apiserver_request_total counter");
    for (const [k, n] of this.requests) {
      const [verb, resource, code] = k.split("\u0000");
      out.push(`apiserver_request_total{verb="${esc(verb!)}",resource="${esc(resource!)}",code="${code}"} ${n}`);
    }
    out.push(
      "# HELP apiserver_request_duration_seconds Request latency by verb and resource (watches excluded).",
      "# TYPE apiserver_request_duration_seconds histogram",
    );
    for (const [k, h] of this.latency) {
      const [verb, resource] = k.split("\u0000");
      const labels = `verb="${esc(verb!)}",resource="${esc(resource!)}"`;
      BUCKETS.forEach((b, i) => out.push(`apiserver_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`));
      out.push(`apiserver_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`apiserver_request_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`apiserver_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    const gauge = (name: string, help: string, v: number, type = "gauge") => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${v}`);
    gauge("apiserver_open_watches", "Open watch streams.", g.openWatches());
    gauge("apiserver_watch_cutoffs_total", "Watchers cut off for falling behind.", g.watchCutoffs(), "counter");
    gauge("apiserver_store_revision", "Current global revision.", g.currentRevision());
    gauge("apiserver_store_compacted_revision", "Revision up to which the log is compacted.", g.compactedRevision());
    gauge("apiserver_store_size_bytes", "Bytes used by the SQLite database and its WAL.", g.storeSizeBytes());
    gauge("apiserver_store_objects", "Stored objects.", g.objectCount());
    // The process figures Prometheus' client libraries export under these names, so the usual
    // dashboards work; they cover the whole `kctl server` process (controllers and scheduler too).
    const mem = process.memoryUsage();
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", mem.rss);
    gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", START_TIME_SECONDS);
    gauge("nodejs_heap_size_total_bytes", "V8 heap size in bytes.", mem.heapTotal);
    gauge("nodejs_heap_size_used_bytes", "V8 heap used in bytes.", mem.heapUsed);
    gauge("nodejs_external_memory_bytes", "Memory of C++ objects bound to JavaScript objects (buffers included), in bytes.", mem.external);
    return `${out.join("\n")}\n`;
  }
}

function esc(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

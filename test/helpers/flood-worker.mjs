// A bad-token flood generator for test/integration/security-flood.test.ts, in its own process so
// its CPU is not the server's. Controlled over IPC: "on" / "off" / "stop" (answers with counts).
// Each of `loops` keep-alive connections sends one request every `intervalMs` while on.
import https from "node:https";

const { url, ca, loops, intervalMs, prefix } = JSON.parse(process.argv[2]);
const agent = new https.Agent({ keepAlive: true, maxSockets: loops, ca });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let on = false;
let stopped = false;
let sent = 0;
const statuses = {};

function get(token) {
  return new Promise((resolve) => {
    const req = https.request(`${url}/api/v1/namespaces/default/secrets`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", () => {
      statuses.error = (statuses.error ?? 0) + 1;
      resolve();
    });
    req.end();
  });
}

async function loop(i) {
  while (!stopped) {
    if (!on) {
      await sleep(2);
      continue;
    }
    const t0 = Date.now();
    await get(`${prefix}${i}-${sent++}`);
    await sleep(Math.max(0, intervalMs - (Date.now() - t0)));
  }
}

process.on("message", (m) => {
  if (m === "on") on = true;
  else if (m === "off") on = false;
  else if (m === "stop") {
    stopped = true;
    // Count only once every request in flight has its answer (or error): sent === answered.
    void Promise.all(running).then(() => process.send({ sent, statuses }, () => process.exit(0)));
  }
});
const running = Array.from({ length: loops }, (_, i) => loop(i));
process.send("ready");

/**
 * Records real app-server traffic for the replay and framing scenarios: one turn through
 * the raw JSON-RPC loop, in this process, every line the app-server writes kept.
 *
 * @module
 */

import { codexHome } from "../testing.ts";
import { spawnRaw } from "./raw_client.ts";
import { CODEX_BIN } from "./machine.ts";

/**
 * Runs one turn of the fake model `deltas-<deltas>` and writes the app-server's output
 * lines to `file` (JSON Lines).
 *
 * @param fakeUrl The fake model (answering by model name, `scenarios.byModel()`).
 */
export async function captureTraffic(fakeUrl: string, deltas: number, file: string): Promise<void> {
  await using home = await codexHome({ model: fakeUrl, modelName: `deltas-${deltas}` });
  const env = Deno.env.toObject();
  for (const [key, value] of Object.entries(home.env)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const lines: string[] = [];
  const raw = await spawnRaw({
    command: CODEX_BIN,
    args: ["app-server", "--listen", "stdio://"],
    env,
    cwd: home.workspace,
    onLine: (line) => lines.push(line),
  });
  let completed!: () => void;
  const done = new Promise<void>((resolve) => (completed = resolve));
  raw.onNotification = (method) => {
    if (method === "turn/completed") completed();
  };
  await raw.request("initialize", {
    clientInfo: { name: "bench", title: "bench", version: "0" },
    capabilities: { experimentalApi: true },
  });
  raw.notify("initialized");
  const { thread } = await raw.request("thread/start", {}) as { thread: { id: string } };
  await raw.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "capture" }],
  });
  await done;
  await raw.close();
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
}

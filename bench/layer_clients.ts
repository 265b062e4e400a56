/**
 * The raw loop's JSON-RPC work on top of the SDK's lower layers, live: to see what each
 * layer costs with a real app-server, the `warm` scenario runs the same turns through
 * - `transport`: `spawnAppServer` (the runtime adapter, the stdio transport and its JSON
 *   Lines framing, read through `readMessages` and written through `send`, as the connection
 *   does) with the raw loop's request map and dispatch on top;
 * - `connection`: the same with `JsonRpcConnection` in place of the raw loop.
 *
 * @module
 */

import type * as SdkTransport from "../transport.ts";
import { type RawClient, rawLoop, type RawMessage } from "./raw_client.ts";

/**
 * Holds the program alive until the returned function is called. The SDK's app-server does
 * not hold it (its `Codex` does, while a request or a turn is pending), and a wait for
 * `turn/completed` on these layers is neither.
 */
function holdAlive(): () => void {
  const timer = setInterval(() => {}, 60_000);
  return () => clearInterval(timer);
}

/** A function writing each text to `writable`, ignoring failures (the close reports them). */
function writeThrough(writable: WritableStream<string>): (text: string) => void {
  const writer = writable.getWriter();
  return (text) => void writer.write(text).catch(() => {});
}

/** Where and with what environment the app-server runs. */
export interface LayerLaunch {
  readonly cwd: string;
  readonly env: Record<string, string | undefined>;
}

/**
 * The raw loop (`rawLoop`) over the SDK's transport: its messages arrive parsed, in batches.
 *
 * @param sdkTransport The SDK's `transport` entry point.
 * @param launch Working directory and environment of the app-server.
 * @returns The client (not yet initialized).
 */
export async function transportClient(
  sdkTransport: typeof SdkTransport,
  launch: LayerLaunch,
): Promise<RawClient> {
  const transport = await sdkTransport.spawnAppServer(launch);
  const release = holdAlive();
  // Written as `JsonRpcConnection` writes: through `send` where the transport has it (an
  // older checkout under `--sdk-root` may not).
  const send = transport.send?.bind(transport) ?? writeThrough(transport.writable);
  const { client, dispatch } = rawLoop(
    send,
    async () => {
      release();
      await transport.close();
    },
  );
  // Read as `JsonRpcConnection` reads it: through `readMessages` (the stdio transport has it).
  const onBatch = (batch: unknown[]) => {
    for (let i = 0; i < batch.length; i++) dispatch(batch[i] as RawMessage);
  };
  transport.readMessages!(onBatch).catch(() => {});
  return client;
}

/**
 * The raw loop's interface over the SDK's `JsonRpcConnection` (server requests are refused
 * by the connection itself: no handler is given).
 *
 * @param sdkTransport The SDK's `transport` entry point.
 * @param launch Working directory and environment of the app-server.
 * @returns The client (not yet initialized).
 */
export async function connectionClient(
  sdkTransport: typeof SdkTransport,
  launch: LayerLaunch,
): Promise<RawClient> {
  const transport = await sdkTransport.spawnAppServer(launch);
  const connection = new sdkTransport.JsonRpcConnection(transport, { onError() {} });
  const release = holdAlive();
  const client: RawClient = {
    request: (method, params) => connection.request(method, params),
    notify: (method, params) => void connection.notify(method, params).catch(() => {}),
    onNotification: () => {},
    async close() {
      release();
      await connection.close();
    },
  };
  connection.onNotification((method, params) => client.onNotification(method, params));
  return client;
}

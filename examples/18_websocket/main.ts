/**
 * 18 — WebSocket transport: start `codex app-server --listen ws://127.0.0.1:0`, which
 * requires a random capability token by default, talk to it over WebSocket, connect a second
 * client to the same server with that token, and see a wrong token refused.
 *
 * Run: `npx deno run -A examples/18_websocket/main.ts`
 * (or `npx bun examples/18_websocket/main.ts`).
 *
 * To reach a server started elsewhere (`codex app-server --listen ws://127.0.0.1:4500`), pass
 * `transport: () => connectWebSocket("ws://127.0.0.1:4500", { token })` to `Codex.start()`;
 * for a unix socket (`--listen unix://PATH`) use `connectUnixSocket(path)`.
 *
 * @module
 */

import { Codex, WebSocketAuthError, WebSocketConnectError } from "../../mod.ts";
// The transports: `codex-app-server/transport` in your own project.
import { connectWebSocket, listenAppServer } from "../../transport.ts";

// Spawns the app-server on a free port, reads the port from its stderr and connects.
// Closing this connection stops the server. The server accepts only clients that send its
// token as `Authorization: Bearer …`: a random one unless you pass `token` (`token: false`
// would let anyone on this machine connect and drive the agent).
const server = await listenAppServer();
const token = server.token;
console.log(`app-server listening on ${server.url}`);

await using codex = await Codex.start({ transport: server.transport });
console.log(`connected over WebSocket: app-server ${codex.metadata.serverVersion}`);

const thread = await codex.threadStart();
await using turn = await thread.turn("Say hello over a WebSocket.", { timeoutMs: 120_000 });
let deltas = 0;
for await (const event of turn) {
  if (event.method === "item/agentMessage/delta") deltas++;
}
const result = await turn.result();
console.log(`turn ${result.status} after ${deltas} streamed deltas: ${result.finalResponse}`);

// A second client on the same server: threads are shared, the connections are not.
{
  await using second = await Codex.start({
    transport: () => connectWebSocket(server.url, { token }),
  });
  const { thread: seen } = await (await second.threadResume(thread.id)).read({
    includeTurns: true,
  });
  console.log(`second client sees thread ${seen.id} with ${seen.turns.length} turn(s)`);
} // closing the second client leaves the server running

// A wrong token is refused with HTTP 401 before the WebSocket opens.
try {
  await connectWebSocket(server.url, { token: "not-the-token" });
  console.log("unexpected: the wrong token was accepted");
} catch (error) {
  if (error instanceof WebSocketAuthError) {
    console.log(`wrong token refused: ${error.name} (HTTP ${error.httpStatus})`);
  } else if (error instanceof WebSocketConnectError) {
    console.log(`connect failed: ${error.message}`);
  } else {
    throw error;
  }
}

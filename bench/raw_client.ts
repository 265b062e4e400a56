/**
 * The floor the SDK is measured against: a minimal hand-written JSON-RPC loop over a
 * spawned `codex app-server`, using only the runtime's own process API (`Deno.Command`,
 * `Bun.spawn` or `node:child_process`), a `"\n"` split, `JSON.parse`, and a `Map` of
 * pending ids. No validation, no streams of messages, no routing beyond one callback.
 *
 * @module
 */

/** What to run. */
export interface RawSpawnOptions {
  /** The codex executable. */
  readonly command: string;
  /** Its arguments (`["app-server", "--listen", "stdio://"]`). */
  readonly args: readonly string[];
  /** The complete environment of the child. */
  readonly env: Record<string, string>;
  /** Working directory. */
  readonly cwd?: string;
  /** Called with every raw stdout line (for capturing real traffic). */
  readonly onLine?: (line: string) => void;
}

/** A JSON-RPC client with nothing on top. */
export interface RawClient {
  /** Sends a request; resolves with `result`, rejects with the `error` member. */
  request(method: string, params?: unknown): Promise<unknown>;
  /** Sends a notification. */
  notify(method: string, params?: unknown): void;
  /** The one notification callback (replace it at will). */
  onNotification: (method: string, params: unknown) => void;
  /** Ends stdin and waits for the process to exit (SIGKILL after 2 s). */
  close(): Promise<void>;
}

/** What a runtime's process API gives the loop (text comes in through a callback). */
export interface Pipe {
  write(text: string): void;
  end(): void;
  kill(): void;
  exited: Promise<unknown>;
}

type Host = {
  Deno?: {
    Command: new (cmd: string, options: Record<string, unknown>) => {
      spawn(): {
        stdin: WritableStream<Uint8Array>;
        stdout: ReadableStream<Uint8Array>;
        stderr: ReadableStream<Uint8Array>;
        status: Promise<unknown>;
        kill(signal?: string): void;
      };
    };
  };
  Bun?: {
    spawn(options: Record<string, unknown>): {
      stdin: { write(chunk: string): number; flush(): unknown; end(): unknown };
      stdout: ReadableStream<Uint8Array>;
      stderr: ReadableStream<Uint8Array>;
      exited: Promise<number>;
      kill(signal?: string): void;
    };
  };
};

/**
 * Reads a byte stream to its end, decoding UTF-8 into `onText`.
 *
 * @param stream The stream.
 * @param onText Receives each decoded piece.
 */
export async function pump(stream: ReadableStream<Uint8Array>, onText: (text: string) => void) {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onText(decoder.decode(value, { stream: true }));
  }
}

async function spawnPipe(
  options: RawSpawnOptions,
  onText: (text: string) => void,
): Promise<Pipe> {
  const host = globalThis as unknown as Host;
  if (host.Deno !== undefined) {
    const child = new host.Deno.Command(options.command, {
      args: [...options.args],
      env: options.env,
      clearEnv: true,
      cwd: options.cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const writer = child.stdin.getWriter();
    const encoder = new TextEncoder();
    pump(child.stdout, onText).catch(() => {});
    return {
      write: (text) => void writer.write(encoder.encode(text)).catch(() => {}),
      end: () => void writer.close().catch(() => {}),
      kill: () => child.kill("SIGKILL"),
      exited: child.status,
    };
  }
  if (host.Bun !== undefined) {
    const child = host.Bun.spawn({
      cmd: [options.command, ...options.args],
      env: options.env,
      cwd: options.cwd,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "ignore",
    });
    pump(child.stdout, onText).catch(() => {});
    return {
      write: (text) => {
        child.stdin.write(text);
        child.stdin.flush();
      },
      end: () => void child.stdin.end(),
      kill: () => child.kill("SIGKILL"),
      exited: child.exited,
    };
  }
  const { spawn } = await import("node:child_process");
  const child = spawn(options.command, [...options.args], {
    env: options.env,
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "ignore"],
  });
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", onText);
  child.stdin.on("error", () => {});
  return {
    write: (text) => void child.stdin.write(text),
    end: () => void child.stdin.end(),
    kill: () => void child.kill("SIGKILL"),
    exited: new Promise((resolve) => child.once("exit", resolve)),
  };
}

/**
 * Spawns the app-server and returns the raw loop over its stdio.
 *
 * @param options What to run.
 * @returns The client (not yet initialized).
 *
 * @example
 * ```ts ignore
 * import { spawnRaw } from "./raw_client.ts";
 * const raw = await spawnRaw({ command: "codex", args: ["app-server"], env: {} });
 * await raw.request("initialize", { clientInfo: { name: "raw", title: "Raw", version: "0" } });
 * raw.notify("initialized");
 * await raw.close();
 * ```
 */
export function spawnRaw(options: RawSpawnOptions): Promise<RawClient> {
  return rawClient((onText) => spawnPipe(options, onText), options.onLine);
}

/** A JSON-RPC message as the raw loop reads it. */
export type RawMessage =
  & { readonly id?: unknown; readonly method?: unknown }
  & Record<
    string,
    unknown
  >;

/**
 * The raw loop's request map and dispatch, over any way of sending a message: `send` gets
 * each message's JSON text; the caller reads messages and hands each to `dispatch`.
 *
 * @param send Sends one message's JSON text.
 * @param end Ends the peer; resolves once it has gone.
 * @returns The client, and the function that dispatches a message read.
 */
export function rawLoop(
  send: (json: string) => void,
  end: () => Promise<void>,
): { client: RawClient; dispatch(message: RawMessage): void } {
  const pending = new Map<unknown, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let nextId = 1;
  const client: RawClient = {
    request(method, params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        send(JSON.stringify({ id, method, params }));
      });
    },
    notify(method, params) {
      send(JSON.stringify(params === undefined ? { method } : { method, params }));
    },
    onNotification: () => {},
    async close() {
      await end();
      for (const waiter of pending.values()) waiter.reject(new Error("closed"));
    },
  };
  const dispatch = (message: RawMessage) => {
    const id = message.id;
    if (message.method === undefined) {
      const waiter = pending.get(id);
      if (waiter === undefined) return;
      pending.delete(id);
      if (message.error !== undefined) waiter.reject(message.error);
      else waiter.resolve(message.result);
    } else if (id === undefined) {
      client.onNotification(message.method as string, message.params);
    } else {
      // A server request: these scenarios never need one; refuse it so nothing hangs.
      send(JSON.stringify({ id, error: { code: -32601, message: "unsupported" } }));
    }
  };
  return { client, dispatch };
}

/**
 * The raw loop over any pipe: `open` is given the text callback and returns the writer.
 *
 * @param open Opens the pipe.
 * @param onLine Called with every raw line read.
 * @returns The client.
 */
export async function rawClient(
  open: (onText: (text: string) => void) => Pipe | Promise<Pipe>,
  onLine?: (line: string) => void,
): Promise<RawClient> {
  let partial = "";
  const { client, dispatch: dispatchMessage } = rawLoop(
    (json) => pipe.write(json + "\n"),
    async () => {
      pipe.end();
      const timer = setTimeout(() => pipe.kill(), 2000);
      await pipe.exited;
      clearTimeout(timer);
    },
  );

  const dispatch = (line: string) => {
    if (onLine !== undefined) onLine(line);
    dispatchMessage(JSON.parse(line));
  };

  const pipe = await open((text) => {
    let start = 0;
    let end = text.indexOf("\n");
    if (end === -1) {
      partial += text;
      return;
    }
    if (partial.length > 0) {
      dispatch(partial + text.slice(0, end));
      partial = "";
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    while (end !== -1) {
      if (end > start) dispatch(text.slice(start, end));
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    if (start < text.length) partial = text.slice(start);
  });
  return client;
}

/**
 * Summarizes V8 `.cpuprofile` files (from `bench/run.ts --cpu-prof=DIR`, `deno run
 * --cpu-prof` or `node --cpu-prof`): self time by function and by file, heaviest first.
 *
 * ```sh
 * npx deno run -A bench/profile_summary.ts DIR/deno-stream-ours-3.cpuprofile [--top=25]
 * ```
 *
 * @module
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time in ms by key, heaviest first. */
export function selfTimes(
  profile: Profile,
  keyOf: (node: ProfileNode) => string,
): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    if (node === undefined) continue;
    const key = keyOf(node);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

function shortUrl(url: string): string {
  const at = url.indexOf("/main/");
  return at === -1 ? url.replace(/^.*\/node_modules\//, "node_modules/") : url.slice(at + 6);
}

if (import.meta.main) {
  const top = Number(Deno.args.find((a) => a.startsWith("--top="))?.slice(6) ?? 25);
  for (const file of Deno.args.filter((a) => !a.startsWith("--"))) {
    const profile = JSON.parse(await Deno.readTextFile(file)) as Profile;
    const total = profile.timeDeltas.reduce((sum, d) => sum + d, 0) / 1000;
    const print = (title: string, rows: [string, number][]) => {
      console.log(`\n${title}`);
      for (const [key, ms] of rows.slice(0, top)) {
        console.log(
          `${ms.toFixed(1).padStart(9)} ms ${(100 * ms / total).toFixed(1).padStart(5)}%  ${key}`,
        );
      }
    };
    console.log(`# ${file}: ${total.toFixed(0)} ms sampled`);
    print(
      "self time by function",
      selfTimes(profile, (n) => {
        const frame = n.callFrame;
        const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : "";
        return `${frame.functionName || "(anonymous)"} ${where}`;
      }),
    );
    print("self time by file", selfTimes(profile, (n) => shortUrl(n.callFrame.url) || "(native)"));
  }
}

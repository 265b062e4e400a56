/**
 * 15 — Login and account: read the signed-in account, start a ChatGPT browser login, print
 * the URL to open, then cancel it and see the login's completion arrive.
 *
 * Run: `npx deno run -A examples/15_login_and_account/main.ts`
 * (or `npx bun examples/15_login_and_account/main.ts`).
 *
 * Nothing here changes your credentials: the browser login is cancelled before anyone can
 * finish it. To really sign in, open the URL and `await login.wait()` instead of cancelling.
 *
 * @module
 */

import { Codex } from "../../mod.ts";
import type { GetAccountResponse } from "../../generated/mod.ts";

await using codex = await Codex.start();

const before = await codex.account();
console.log(`account: ${describe(before)}`);

// The browser flow: the app-server listens on localhost for the redirect and reports the
// outcome as an `account/login/completed` notification, which the handle waits for.
const login = await codex.loginChatgpt();
console.log(`login ${login.loginId} started; open this URL to sign in:`);
console.log(`  ${login.authUrl}`);

const { status } = await login.cancel();
console.log(`cancel: ${status}`);
// `wait()` resolves with the login's `account/login/completed`; `timeoutMs` bounds the wait
// (a real sign-in takes as long as the person does: pass a `signal` to give up on it).
const completion = await login.wait({ timeoutMs: 30_000 });
console.log(
  `completed: success=${completion.success} error=${JSON.stringify(completion.error ?? null)}`,
);

console.log(`account afterwards: ${describe(await codex.account())}`);

// The other ways in, not run here:
// - `await codex.loginApiKey(process.env.OPENAI_API_KEY!)` stores an API key (no handle:
//   it is done when the promise resolves).
// - `const device = await codex.loginChatgptDeviceCode()` gives `device.verificationUrl`
//   and `device.userCode` to show, then `await device.wait()`.
// - `await codex.logout()` signs out.

function describe(response: GetAccountResponse): string {
  const account = response.account;
  const auth = `OpenAI auth ${response.requiresOpenaiAuth ? "required" : "not required"}`;
  if (account == null) return `not signed in (${auth})`;
  switch (account.type) {
    case "chatgpt":
      return `ChatGPT ${account.email ?? "(no email)"}, plan ${account.planType} (${auth})`;
    default:
      return `${account.type} (${auth})`;
  }
}

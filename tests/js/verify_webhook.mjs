// Verify a webhook request with Clerk's Node SDK (@clerk/backend/webhooks verifyWebhook), as a
// receiver written for Clerk does. Input (stdin, JSON): {"secret", "headers": {...}, "body"}.
// Output (stdout, JSON): {"ok": true, "event": {...}} or {"ok": false, "reason": "..."}
import { verifyWebhook } from "@clerk/backend/webhooks";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { secret, headers, body } = JSON.parse(input);
const request = new Request("http://localhost/webhooks/clerk", { method: "POST", headers, body });
try {
  const event = await verifyWebhook(request, { signingSecret: secret });
  console.log(JSON.stringify({ ok: true, event }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, reason: String(error && (error.message || error)) }));
}

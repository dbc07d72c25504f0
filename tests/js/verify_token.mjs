// Verify a session token with Clerk's Node SDK (@clerk/backend verifyToken).
// Input (stdin, JSON): {"token": "...", "options": {...}} with verifyToken's options, e.g.
// {"jwtKey": "<PEM public key>"} (networkless) or {"secretKey", "apiUrl", "apiVersion"}
// (fetches the JWKS from our Backend API's GET /jwks).
// Output (stdout, JSON): {"ok": true, "payload": {...}} or {"ok": false, "reason": "..."}
import { verifyToken } from "@clerk/backend";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { token, options } = JSON.parse(input);
try {
  const payload = await verifyToken(token, { skipJwksCache: true, ...options });
  console.log(JSON.stringify({ ok: true, payload }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, reason: String(error && (error.reason || error.message)) }));
}

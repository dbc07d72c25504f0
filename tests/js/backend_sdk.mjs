// Drive our Backend API with Clerk's Node SDK (@clerk/backend createClerkClient).
// Input (stdin, JSON): {"apiUrl", "apiVersion", "secretKey", "sessionId", "sessionUserId"}.
// Output (stdout, JSON): {"<call>": <what the SDK returned, as JSON> | {"error": ...}}, in
// order; each SDK object is serialised with its own (camelCase) fields.
import { createClerkClient } from "@clerk/backend";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { apiUrl, apiVersion, secretKey, sessionId, sessionUserId } = JSON.parse(input);
const clerk = createClerkClient({ secretKey, apiUrl, apiVersion });
const out = {};

async function call(name, fn) {
  try {
    out[name] = JSON.parse(JSON.stringify((await fn()) ?? null));
  } catch (error) {
    out[name] = {
      error: String(error && error.message),
      status: error && error.status,
      errors: error && error.errors,
    };
  }
  return out[name];
}

const user = await call("users.createUser", () =>
  clerk.users.createUser({
    emailAddress: ["node@example.com"],
    phoneNumber: ["+14155550123"],
    username: "node_user",
    password: "correct horse battery staple",
    firstName: "Node",
    lastName: "Proof",
    publicMetadata: { plan: "pro" },
  }),
);
const userId = user.id;
await call("users.getUser", () => clerk.users.getUser(userId));
await call("users.getUserList", () => clerk.users.getUserList({ limit: 5, orderBy: "-created_at" }));
await call("users.getCount", () => clerk.users.getCount({ query: "node" }));
await call("users.updateUser", () => clerk.users.updateUser(userId, { firstName: "Nodette" }));
await call("users.updateUserMetadata", () =>
  clerk.users.updateUserMetadata(userId, { privateMetadata: { tier: 2 } }),
);
await call("users.verifyPassword", () =>
  clerk.users.verifyPassword({ userId, password: "correct horse battery staple" }),
);
await call("users.banUser", () => clerk.users.banUser(userId));
await call("users.unbanUser", () => clerk.users.unbanUser(userId));
await call("users.lockUser", () => clerk.users.lockUser(userId));
await call("users.unlockUser", () => clerk.users.unlockUser(userId));
await call("users.getOrganizationMembershipList", () =>
  clerk.users.getOrganizationMembershipList({ userId, limit: 10 }),
);
await call("users.getOrganizationInvitationList", () =>
  clerk.users.getOrganizationInvitationList({ userId }),
);
await call("users.getUserOauthAccessToken", () =>
  clerk.users.getUserOauthAccessToken(userId, "github"),
);
await call("users.getUser.missing", () => clerk.users.getUser("user_missing"));

const email = await call("emailAddresses.createEmailAddress", () =>
  clerk.emailAddresses.createEmailAddress({
    userId,
    emailAddress: "second@example.com",
    verified: true,
  }),
);
await call("emailAddresses.getEmailAddress", () => clerk.emailAddresses.getEmailAddress(email.id));
await call("emailAddresses.updateEmailAddress", () =>
  clerk.emailAddresses.updateEmailAddress(email.id, { primary: true }),
);
const phone = await call("phoneNumbers.createPhoneNumber", () =>
  clerk.phoneNumbers.createPhoneNumber({ userId, phoneNumber: "+14155550124", verified: false }),
);
await call("phoneNumbers.getPhoneNumber", () => clerk.phoneNumbers.getPhoneNumber(phone.id));
await call("phoneNumbers.updatePhoneNumber", () =>
  clerk.phoneNumbers.updatePhoneNumber(phone.id, { verified: true }),
);
await call("phoneNumbers.deletePhoneNumber", () => clerk.phoneNumbers.deletePhoneNumber(phone.id));

await call("sessions.getSessionList", () =>
  clerk.sessions.getSessionList({ userId: sessionUserId, limit: 10 }),
);
await call("sessions.getSessionList.noFilter", () => clerk.sessions.getSessionList());
await call("sessions.getSession", () => clerk.sessions.getSession(sessionId));
await call("sessions.getToken", () => clerk.sessions.getToken(sessionId));
await call("sessions.revokeSession", () => clerk.sessions.revokeSession(sessionId));

const template = await call("jwtTemplates.create", () =>
  clerk.jwtTemplates.create({ name: "node_proof", claims: { role: "{{user.public_metadata.plan}}" } }),
);
await call("jwtTemplates.list", () => clerk.jwtTemplates.list({ limit: 10 }));
await call("jwtTemplates.get", () => clerk.jwtTemplates.get(template.id));
await call("jwtTemplates.update", () =>
  clerk.jwtTemplates.update({ templateId: template.id, name: "node_proof", claims: { v: 2 }, lifetime: 120 }),
);
await call("jwtTemplates.delete", () => clerk.jwtTemplates.delete(template.id));
await call("jwks.getJwks", () => clerk.jwks.getJwks());

await call("emailAddresses.deleteEmailAddress.primary", () =>
  clerk.emailAddresses.deleteEmailAddress(email.id),
);
await call("users.deleteUser", () => clerk.users.deleteUser(userId));
console.log(JSON.stringify(out));

// Every chat and identity operation of the ACS JavaScript SDKs, with paging, against the emulator.
// Run by tests/clients/test_js_sdk.py with ACS_CONNECTION_STRING and NODE_EXTRA_CA_CERTS (the emulator's CA).
// Prints "ok <step>" per step; the first failure exits 1 with the error.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ChatClient } from "@azure/communication-chat";
import { AzureCommunicationTokenCredential } from "@azure/communication-common";
import { CommunicationIdentityClient } from "@azure/communication-identity";

// The chat SDK installed beside this script: 1.6.0 (tests/clients/js) or an older one (test_js_sdk.py installs
// 1.1.x–1.3.x, which speak api-version 2021-09-07: message metadata, but no thread metadata or retention policy).
const chatVersion = JSON.parse(
  readFileSync(new URL("./node_modules/@azure/communication-chat/package.json", import.meta.url)),
).version;
const [major, minor] = chatVersion.split(".").map(Number);
const threadMetadata = major > 1 || minor >= 6;
console.log(`@azure/communication-chat ${chatVersion}`);

const connectionString = process.env.ACS_CONNECTION_STRING;
const endpoint = /endpoint=([^;]+)/.exec(connectionString)[1].replace(/\/$/, "");

async function step(name, body) {
  try {
    await body();
    console.log(`ok ${name}`);
  } catch (error) {
    console.log(`FAILED ${name}: ${error.statusCode ?? ""} ${error.code ?? ""} ${error.message}`);
    console.error(error);
    process.exit(1);
  }
}

async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function pages(iterable, settings = {}) {
  const result = [];
  for await (const page of iterable.byPage(settings)) result.push(page);
  return result;
}

const identity = new CommunicationIdentityClient(connectionString);
let alice, aliceToken, bob, bobToken, carol, chat, thread, threadId, messageId, htmlId;

await step("identity: createUser", async () => {
  carol = await identity.createUser();
  assert.match(carol.communicationUserId, /^8:acs:/);
});
await step("identity: createUserAndToken", async () => {
  const created = await identity.createUserAndToken(["chat"]);
  alice = created.user;
  aliceToken = created.token;
  assert.ok(created.expiresOn instanceof Date && created.expiresOn > new Date());
});
await step("identity: getToken with tokenExpiresInMinutes", async () => {
  bob = await identity.createUser();
  const token = await identity.getToken(bob, ["chat"], { tokenExpiresInMinutes: 60 });
  bobToken = token.token;
  const minutes = (token.expiresOn - Date.now()) / 60000;
  assert.ok(minutes > 58 && minutes <= 60, `expires in ${minutes} minutes`);
});
await step("identity: an invalid expiry is a RestError 400", async () => {
  await assert.rejects(identity.getToken(bob, ["chat"], { tokenExpiresInMinutes: 5 }), { statusCode: 400 });
});

chat = new ChatClient(endpoint, new AzureCommunicationTokenCredential(aliceToken));
const bobChat = new ChatClient(endpoint, new AzureCommunicationTokenCredential(bobToken));

await step("chat: createChatThread (participants, metadata, retention policy, idempotency token)", async () => {
  const options = {
    participants: [{ id: bob, displayName: "Bob", metadata: { role: "guest" } }],
    metadata: { project: "apollo" },
    retentionPolicy: { kind: "threadCreationDate", deleteThreadAfterDays: 60 },
    idempotencyToken: "0b6a4f52-2c43-4c36-9a2b-6f1d27a4d9d1",
  };
  const result = await chat.createChatThread({ topic: "Lunch" }, options);
  assert.equal(result.chatThread.topic, "Lunch");
  threadId = result.chatThread.id;
  const again = await chat.createChatThread({ topic: "Lunch" }, options);
  assert.equal(again.chatThread.id, threadId);
  thread = chat.getChatThreadClient(threadId);
});
await step("chat: getProperties", async () => {
  const properties = await thread.getProperties();
  assert.equal(properties.topic, "Lunch");
  assert.equal(properties.createdBy.communicationUserId, alice.communicationUserId);
  if (threadMetadata) {
    assert.deepEqual(properties.metadata, { project: "apollo" });
    assert.equal(properties.retentionPolicy.kind, "threadCreationDate");
    assert.equal(properties.retentionPolicy.deleteThreadAfterDays, 60);
  }
});
await step("chat: updateTopic", async () => {
  await thread.updateTopic("Dinner");
  assert.equal((await thread.getProperties()).topic, "Dinner");
});
if (threadMetadata) {
  await step("chat: updateProperties (metadata, retention none)", async () => {
    await thread.updateProperties({ metadata: { stage: "2" }, retentionPolicy: { kind: "none" } });
    const properties = await thread.getProperties();
    assert.equal(properties.metadata.stage, "2");
    assert.equal(properties.retentionPolicy, undefined);
  });
}
await step("chat: sendMessage text and html with metadata", async () => {
  messageId = (await thread.sendMessage({ content: "hello" }, { senderDisplayName: "Alice", metadata: { k: "v" } })).id;
  htmlId = (await thread.sendMessage({ content: "<b>hi</b>" }, { type: "html" })).id;
  for (let i = 0; i < 5; i++) await thread.sendMessage({ content: `m${i}` });
});
await step("chat: getMessage", async () => {
  const message = await thread.getMessage(messageId);
  assert.equal(message.content.message, "hello");
  assert.equal(message.senderDisplayName, "Alice");
  assert.equal(message.sender.communicationUserId, alice.communicationUserId);
  assert.deepEqual(message.metadata, { k: "v" });
  assert.ok(message.createdOn instanceof Date && !Number.isNaN(message.createdOn.getTime()));
  assert.equal((await thread.getMessage(htmlId)).type, "html");
});
await step("chat: listMessages pages through nextLink", async () => {
  const all = await pages(thread.listMessages({ maxPageSize: 2 }));
  assert.ok(all.length >= 5, `${all.length} pages`);
  const messages = all.flat();
  const sequence = messages.map((m) => Number(m.sequenceId));
  assert.deepEqual(sequence, [...sequence].sort((a, b) => b - a));
  assert.deepEqual(messages.find((m) => m.id === messageId).metadata, { k: "v" });
  assert.ok(messages.some((m) => m.type === "participantAdded"));
  assert.ok(messages.some((m) => m.type === "topicUpdated" && m.content.topic === "Dinner"));
});
await step("chat: updateMessage", async () => {
  await thread.updateMessage(messageId, { content: "edited", metadata: { k: "w" } });
  const message = await thread.getMessage(messageId);
  assert.equal(message.content.message, "edited");
  assert.deepEqual(message.metadata, { k: "w" });
  assert.ok(message.editedOn instanceof Date);
});
await step("chat: deleteMessage", async () => {
  await thread.deleteMessage(htmlId);
  assert.ok((await thread.getMessage(htmlId)).deletedOn instanceof Date);
});
await step("chat: addParticipants with shareHistoryTime", async () => {
  const result = await thread.addParticipants({
    participants: [{ id: carol, displayName: "Carol", shareHistoryTime: new Date("0001-01-01T00:00:00Z") }],
  });
  assert.equal(result.invalidParticipants, undefined);
});
await step("chat: listParticipants pages through nextLink", async () => {
  const all = await pages(thread.listParticipants({ maxPageSize: 1 }));
  assert.equal(all.length, 3);
  const byId = Object.fromEntries(all.flat().map((p) => [p.id.communicationUserId, p]));
  assert.equal(byId[bob.communicationUserId].displayName, "Bob");
  assert.equal(byId[carol.communicationUserId].shareHistoryTime.getUTCFullYear(), 1);
});
await step("chat: sendTypingNotification", async () => {
  assert.equal(await thread.sendTypingNotification({ senderDisplayName: "Alice" }), true);
});
await step("chat: sendReadReceipt and listReadReceipts pages", async () => {
  await thread.sendReadReceipt({ chatMessageId: messageId });
  await bobChat.getChatThreadClient(threadId).sendReadReceipt({ chatMessageId: messageId });
  const all = await pages(thread.listReadReceipts({ maxPageSize: 1 }));
  assert.equal(all.length, 2);
  assert.ok(all.flat().every((r) => r.chatMessageId === messageId && r.readOn instanceof Date));
});
await step("chat: removeParticipant (member and non-member)", async () => {
  await thread.removeParticipant(carol);
  await thread.removeParticipant(await identity.createUser());
  const ids = (await collect(thread.listParticipants())).map((p) => p.id.communicationUserId);
  assert.deepEqual(ids.sort(), [alice.communicationUserId, bob.communicationUserId].sort());
});
await step("chat: listChatThreads pages through nextLink", async () => {
  await chat.createChatThread({ topic: "Second" });
  await chat.createChatThread({ topic: "Third" });
  const all = await pages(chat.listChatThreads({ maxPageSize: 1 }));
  assert.ok(all.length >= 3, `${all.length} pages`);
  assert.ok(all.flat().some((t) => t.id === threadId));
});
await step("chat: deleteChatThread", async () => {
  await chat.deleteChatThread(threadId);
  await assert.rejects(thread.getProperties(), { statusCode: 404 });
});
await step("identity: revokeTokens", async () => {
  await identity.revokeTokens(bob);
  await assert.rejects(bobChat.createChatThread({ topic: "x" }), { statusCode: 401 });
});
await step("identity: deleteUser", async () => {
  await identity.deleteUser(carol);
  await assert.rejects(identity.getToken(carol, ["chat"]), { statusCode: 404 });
});
console.log("all steps passed");

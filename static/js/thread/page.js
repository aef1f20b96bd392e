// The thread page's own data, read once as it starts (templates/chat/thread_detail.html): which thread, whose page
// it is, where to say what was read, and its words: the data-text-* attributes, translated there (the site has no
// JavaScript catalog). Also what the page keeps in the tab, under its person, and the tab's title.
import * as storage from "../storage.js";

var page = null;
var threadId = "";
var owner = "";
var titleSuffix = "";

// False on a page that is not a thread page: nothing else starts then.
export function start() {
  page = document.getElementById("thread-page");
  if (!page) return false;
  threadId = page.dataset.threadId;
  owner = page.dataset.owner || "";
  forgetOthers();
  var dot = document.title.lastIndexOf(" · ");
  titleSuffix = dot >= 0 ? document.title.slice(dot) : "";
  return true;
}

// What another account's pages left in the tab goes as the page starts and again on each poll: in a browser that
// ignores Clear-Site-Data, the last person's entry was seen to outlive the first look on loaded machines (a write
// of their page as it went away landing late), so one look is not enough.
export function forgetOthers() {
  storage.forgetOthers(owner);
}

export function text(name) {
  return (page && page.dataset["text" + name]) || "";
}

export function thread() {
  return threadId;
}

export function ownerMark() {
  return owner;
}

export function readUrl() {
  return page.dataset.readUrl;
}

export function composerForm() {
  return document.getElementById("composer");
}

// Drafts and unsent messages are kept in the tab under the page's person: a page that names nobody keeps nothing.
export function store() {
  return storage.store(owner);
}

export function storageKey(kind) {
  return storage.key(kind, owner, threadId);
}

// The tab's title follows the topic ("Topic · Chatsite"), also as it is renamed.
export function followTopic() {
  var heading = document.querySelector("#topic:not(.topic--editing) > h1");
  if (heading && heading.textContent.trim()) document.title = heading.textContent.trim() + titleSuffix;
}

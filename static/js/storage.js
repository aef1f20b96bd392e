// What a person's pages keep in the tab (sessionStorage): the thread page's drafts and unsent messages, under the
// page's person (data-owner, an opaque mark of the account, forms.owner_mark). Shared by the thread page and the
// thread list, which both drop what another account left here.

var KINDS = ["outbox", "draft"];

// A page that names nobody keeps nothing.
export function store(owner) {
  if (!owner) return null;
  try {
    return window.sessionStorage;
  } catch (error) {
    return null;
  }
}

// "chatsite:<kind>:<owner>:<thread>", so a person's keys start with their own prefix.
export function key(kind, owner, threadId) {
  return "chatsite:" + kind + ":" + owner + ":" + threadId;
}

// Whatever another account's pages left in this tab is dropped, never shown or sent: logging out asks the browser
// to clear it (Clear-Site-Data), and this covers browsers that do not.
export function forgetOthers(owner) {
  var s = store(owner);
  if (!s) return;
  var mine = KINDS.map(function (kind) { return key(kind, owner, ""); });
  for (var i = s.length - 1; i >= 0; i--) {
    var name = s.key(i);
    var kept = mine.some(function (prefix) { return name.indexOf(prefix) === 0; });
    if (name.indexOf("chatsite:") === 0 && !kept) s.removeItem(name);
  }
}

// The thread page's behaviour beyond htmx attributes (the CSP allows no inline script and no eval, so it lives in
// these files), as ES modules by concern, served as they are (no build step):
//   thread/poll.js      the poll beat, "Reconnecting…" and "Retry now" while the site is unreachable; the read POST
//   thread/push.js      the push stream's hints (../stream.js) make the poll at once; the beat slows while live
//   thread/outbox.js    sending ("Sending…", "Not sent", Retry and Discard, exactly once per client id)
//   thread/composer.js  Enter, growing, drafts, typing reports, errors that clear
//   thread/pane.js      the newest message in view, "New messages", "Load older", "Seen by", live updates that
//                       never replace what the person is using
//   thread/menus.js     menus and the participants drawer, Escape, focus (thread/place.js: where a menu opens)
//   thread/grouping.js  one name and avatar per run of one person's messages, across live updates
//   thread/unread.js    where the page opens (the "New messages" divider), "60 new messages" and its jump, and
//                       what the person has seen (the read POST says that much)
//   thread/page.js      the page's data, its words (data-text-*, translated in templates/chat/thread_detail.html),
//                       what it keeps in the tab (../storage.js, shared with the thread list) and the tab's title
// Each concern adds its document listeners in this order (the order of the single script they came from), then
// the page starts. A module script runs once the page is parsed, before DOMContentLoaded and the load event, as a
// deferred script did: a page whose load event has fired has all of this running.
import * as page from "./thread/page.js";
import * as connection from "./thread/poll.js";
import * as push from "./thread/push.js";
import * as outbox from "./thread/outbox.js";
import * as composer from "./thread/composer.js";
import * as pane from "./thread/pane.js";
import * as menus from "./thread/menus.js";
import * as grouping from "./thread/grouping.js";
import * as unread from "./thread/unread.js";

connection.listen();
outbox.listen();
composer.listen();
pane.listen();
menus.listen();
// After each swap has settled: runs of messages regrouped, "Seen by" under its message, the tab title after the
// topic.
document.addEventListener("htmx:afterSettle", function () {
  grouping.regroup();
  pane.placeSeenBy();
  page.followTopic();
});

// The site answers again: what waited in the outbox goes out. The pane changed: rows the poll brought replace
// their "Sending…" rows.
connection.whenBack(outbox.pump);
pane.whenChanged(outbox.reconcile);

if (page.start()) {
  composer.start();
  pane.start();
  unread.start();
  outbox.start();
  connection.start();
  push.start();
}

// Runs of one person's messages show one name and avatar. chatsite/chat/timeline.py groups the messages of one
// answer; this joins runs across answers (a poll's new messages, an older page, an edit closed) by the same rule:
// the same sender (data-sender), nothing between (a day, the unread divider, a system message, an open edit) and
// at most five minutes apart.
var WINDOW = 5 * 60 * 1000; // timeline.GROUP_WINDOW

function sentAt(row) {
  var time = row.querySelector(".meta time");
  return time ? Date.parse(time.getAttribute("datetime")) : NaN;
}

export function regroup() {
  var list = document.getElementById("message-list");
  if (!list) return;
  var previous = null;
  for (var row = list.firstElementChild; row; row = row.nextElementSibling) {
    if (!row.dataset.sender) {
      previous = null;
      continue;
    }
    var gap = previous && previous.dataset.sender === row.dataset.sender ? sentAt(row) - sentAt(previous) : NaN;
    row.classList.toggle("message--continued", gap >= 0 && gap <= WINDOW);
    previous = row;
  }
}

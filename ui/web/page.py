"""What the page carries besides its components: the one script, the style, the scrolls."""

SOURCE_HINT = "<p class='source-hint'>Click a [n] in an answer to read its source here.</p>"
# The page's one script: a click on an answer's [n] link (href "#source-KEY-N") asks the
# server for that source instead of following the link.
CITE_SCRIPT = """<script>
document.addEventListener("click", (e) => {
  const a = e.target.closest ? e.target.closest('a[href^="#source-"]') : null;
  if (!a) return;
  e.preventDefault();
  e.stopPropagation();
  const box = document.querySelector("#cite-request textarea, #cite-request input");
  if (!box) return;
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(box), "value").set;
  setter.call(box, a.getAttribute("href").slice(1) + "@" + Date.now());
  box.dispatchEvent(new Event("input", { bubbles: true }));
}, true);
</script>"""
CSS = """
#cite-request { display: none !important; }
#source-panel { max-height: 640px; overflow-y: auto; }
#source-panel .cited-passage { background: rgba(255, 221, 87, 0.25); }
#source-panel mark.cited-sentence { background: rgba(255, 196, 0, 0.75); }
a.cite { text-decoration: none; font-weight: 600; }
"""
# The chat does not follow the stream to its end (autoscroll off): once a question is sent,
# the view moves to it, so the answer streams below it and its start stays in view.
SHOW_LAST_QUESTION = """() => { setTimeout(() => {
  const rows = document.querySelectorAll("#chat .message-row.user-row");
  const last = rows[rows.length - 1];
  const wrap = document.querySelector("#chat .bubble-wrap");
  if (last && wrap) wrap.scrollTop = last.offsetTop - wrap.offsetTop;
}, 300); }"""
SHOW_CITED_SENTENCE = """() => { setTimeout(() => {
  const m = document.getElementById("cited-sentence");
  if (m) m.scrollIntoView({ block: "center" });
}, 100); }"""

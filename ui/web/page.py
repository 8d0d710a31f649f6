"""What the page carries besides its components: the one script, the style, the scrolls."""

SOURCE_HINT = "<p class='source-hint'>Click a [n] in an answer to read its source here.</p>"
# The page's one script: a click on an answer's [n] link (href "#source-KEY-N") asks the
# server for that source instead of following the link.
CITE_SCRIPT = """<script>
// Names for what Gradio leaves unnamed (screen readers read them): icon buttons, the date
// fields' inputs and calendars, and each chat message (its text, not its HTML).
const nameThem = () => {
  const name = (el, text) => { if (el && !el.getAttribute("aria-label")) el.setAttribute("aria-label", text); };
  document.querySelectorAll("#chat .top-panel button.icon-button").forEach((b) => name(b, "Share conversation"));
  document.querySelectorAll(".timebox").forEach((box) => {
    const block = box.closest(".block");
    const label = block ? (block.querySelector('[data-testid="block-info"]') || {}).textContent || "Date" : "Date";
    name(box.querySelector("input"), label.trim() + " (YYYY-MM-DD)");
    name(box.querySelector("button.calendar"), "Choose " + label.trim().toLowerCase() + " on a calendar");
  });
  document.querySelectorAll("button.submit-button").forEach((b) => name(b, "Send"));
  // the upload box is named by what it shows ("Drop File Here - or - Click to Upload"), not otherwise
  document.querySelectorAll("#upload .boundedheight").forEach((b) => {
    const shown = b.textContent.replace(/\\s+/g, " ").trim();
    if (shown && b.getAttribute("aria-label") !== shown) b.setAttribute("aria-label", shown);
  });
  // a date picker opened near an edge of the window moves into it (Gradio opens it below the field)
  document.querySelectorAll(".picker-container").forEach((p) => {
    const r = p.getBoundingClientRect();
    if (r.height && r.bottom > window.innerHeight) p.style.top = Math.max(8, window.innerHeight - r.height - 8) + "px";
    if (r.width && (r.left < 0 || r.right > window.innerWidth)) {
      p.style.left = Math.max(8, Math.min(r.left, window.innerWidth - r.width - 8)) + "px";
    }
  });
  // Gradio names each message "bot's message: <its HTML>": it is read out as its text instead
  document.querySelectorAll("#chat [aria-label]").forEach((m) => {
    const was = m.getAttribute("aria-label");
    const bot = /^(bot's message:|Answer: )/.test(was), user = /^(user's message:|Question: )/.test(was);
    const who = bot ? "Answer: " : user ? "Question: " : "";
    const text = who && who + m.textContent.replace(/\\s+/g, " ").trim().slice(0, 300);
    if (who && was !== text) m.setAttribute("aria-label", text);
  });
};
// A date the field cannot read ("03/19/2026") is said under it: Gradio marks it invalid and keeps
// asking as of the last date it could read, without a word.
const DATE_SAID = "date-said";
const sayDate = (input) => {
  const box = input.closest(".block");
  if (!box) return;
  let said = box.querySelector("." + DATE_SAID);
  const typed = input.value.trim();
  if (!typed || !input.classList.contains("invalid")) { if (said) said.remove(); return; }
  const us = typed.match(/^(\\d{1,2})[\\/.-](\\d{1,2})[\\/.-](\\d{4})$/);
  const pad = (n) => String(n).padStart(2, "0");
  let hint = "e.g. 2026-03-19";
  if (us && +us[1] > 12 && +us[2] <= 12) hint = us[3] + "-" + pad(us[2]) + "-" + pad(us[1]) + "?";
  else if (us && +us[2] > 12 && +us[1] <= 12) hint = us[3] + "-" + pad(us[1]) + "-" + pad(us[2]) + "?";
  if (!said) {
    said = document.createElement("p");
    said.className = DATE_SAID;
    said.setAttribute("role", "alert");
    box.appendChild(said);
  }
  said.textContent = "Not a date this field reads: write it as YYYY-MM-DD (" + hint + "). "
    + "Until then questions are asked as of the last date it read.";
};
["input", "change", "keyup", "focusout"].forEach((kind) => document.addEventListener(kind, (e) => {
  if (e.target.matches && e.target.matches(".timebox input")) setTimeout(() => sayDate(e.target), 0);
}, true));
const watched = { childList: true, subtree: true, attributes: true, attributeFilter: ["style", "aria-label"] };
new MutationObserver(nameThem).observe(document.documentElement, watched);
document.addEventListener("click", (e) => {
  const a = e.target.closest ? e.target.closest('a[href^="#source-"]') : null;
  if (!a) return;
  e.preventDefault();
  e.stopPropagation();
  window.newsragCite = a;  // "Back to the answer" returns here
  const box = document.querySelector("#cite-request textarea, #cite-request input");
  if (!box) return;
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(box), "value").set;
  setter.call(box, a.getAttribute("href").slice(1) + "@" + Date.now());
  box.dispatchEvent(new Event("input", { bubbles: true }));
}, true);
</script>"""
CSS = """
#cite-request { display: none !important; }
#source-panel { max-height: 640px; overflow-y: auto !important; }  /* the article scrolls in the panel */
#source-panel .cited-passage { background: rgba(255, 221, 87, 0.25); }
#source-panel mark.cited-sentence { background: rgba(255, 196, 0, 0.75); }
#source-panel .source-card a { color: #1a4fb8; }  /* 6.9:1 on white, whatever state the theme gives a link */
a.cite { text-decoration: none; font-weight: 600; }
/* hints under labels readable against the page (axe-core: contrast at least 4.5:1) */
.info-text, footer .show-api, footer .built-with, footer .settings, button[role="tab"], #upload .or {
  color: #595959 !important; opacity: 1 !important;
}
/* buttons readable against their fill (axe-core: 4.5:1): Gradio's orange (2.8:1) and red (3.8:1)
   darkened to 5.5:1 and 6.5:1 with white text */
button.primary { background: #b34700 !important; border-color: #b34700 !important; color: #fff !important; }
button.primary:hover { background: #8f3900 !important; }
button.stop { background: #b91c1c !important; border-color: #b91c1c !important; color: #fff !important; }
button.stop:hover { background: #991b1b !important; }
/* a keyboard user sees where they are on an answer's [n] */
a.cite:focus-visible { outline: 3px solid #1a56db; outline-offset: 2px; border-radius: 2px; }
/* the page scrolls through the conversation; the question box stays at the bottom of the window */
.gradio-container { overflow: clip !important; }  /* clips like "hidden" without taking the scroll */
.form:has(> #question) { position: sticky; bottom: 0; z-index: 20; overflow: visible !important; }
/* the share/clear/copy icons sit above the first message, not on it */
#chat .bubble-wrap { padding-top: 2.25rem; }
/* a date field holds its input and its calendar button side by side, whatever its width */
#as-of .timebox, #since .timebox, #until .timebox { display: flex; }
#as-of input.time, #since input.time, #until input.time { flex: 1 1 0; min-width: 0; width: auto; }
#as-of button.calendar, #since button.calendar, #until button.calendar { flex: 0 0 auto; }
p.date-said { color: #b91c1c; font-size: 0.85rem; margin: 0.25rem 0 0; }
#as-of [data-testid="block-info"], #since [data-testid="block-info"], #until [data-testid="block-info"] {
  white-space: nowrap;
}
/* a timeline: dated cards down a line; a briefing: numbered story cards; a conflict: a framed list */
#chat ul.timeline, #chat ol.briefing { list-style: none; padding-left: 0; margin: 0.5rem 0; }
#chat ul.timeline { border-left: 3px solid #8a6d00; padding-left: 1rem; }
#chat li.event { border: 1px solid #d0d0d0; border-radius: 6px; padding: 0.4rem 0.6rem; margin: 0 0 0.5rem; }
#chat ul.timeline time { font-weight: 600; color: #5a4700; }
#chat li.event meter { width: 8rem; vertical-align: middle; }
#chat div.conflict { border: 2px solid #b35c00; border-radius: 6px; padding: 0.4rem 0.6rem; margin: 0.5rem 0; }
#chat div.conflict.update { border-color: #8a6d00; }
#chat div.conflict ul { margin: 0.25rem 0 0; }
/* a phone (one column): the chat first, then its sources (with a way back to the answer), then the
   conversations, their list scrolling in its own box */
#source-back { display: none !important; }
@media (max-width: 640px) {
  #conversations { order: 3; }
  #conv-list { max-height: 40vh; overflow-y: auto; }
  #source-back { display: inline-block !important; }
}
"""
# The chat does not follow the stream to its end (autoscroll off): once a question is sent,
# the page moves to it, so the answer streams below it and its start stays in view.
SHOW_LAST_QUESTION = """() => { setTimeout(() => {
  const rows = document.querySelectorAll("#chat .message-row.user-row");
  const last = rows[rows.length - 1];
  if (last) window.scrollTo({ top: last.getBoundingClientRect().top + window.scrollY - 48, behavior: "instant" });
}, 300); }"""
SHOW_CITED_SENTENCE = """() => { setTimeout(() => {
  const m = document.getElementById("cited-sentence");
  if (m) m.scrollIntoView({ block: "center" });
}, 100); }"""
# the [n] a source was opened from, back in view (a phone shows the source below the chat)
BACK_TO_ANSWER = """() => {
  let a = window.newsragCite;
  const again = (href) => document.querySelector(`#chat a.cite[href="${CSS.escape(href)}"]`);
  if (a && !a.isConnected) a = again(a.getAttribute("href"));  // the chat was drawn again
  const to = a || document.querySelector("#chat");
  if (!to) return;
  to.scrollIntoView({ block: "center" });
  if (a) a.focus({ preventScroll: true });
}"""

/* Tallyhour page behaviour. Everything here is an enhancement: every page works without it.
   Kept out of the HTML so a strict Content-Security-Policy (script-src 'self') can be used. */
(function () {
  "use strict";

  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 3600) + ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
  }

  /* Running timers tick from the server's start time. The difference between the server's
     clock and this device's is measured once per element, so a wrong device clock does not
     show a wrong elapsed time. */
  function bindTimer(el) {
    if (el.dataset.timerBound) return;
    el.dataset.timerBound = "1";
    var serverNow = Date.parse(el.dataset.serverNow || "");
    el.timerOffset = isNaN(serverNow) ? 0 : serverNow - Date.now();
  }

  function tick() {
    var timers = document.querySelectorAll("[data-timer]");
    for (var i = 0; i < timers.length; i++) {
      var el = timers[i];
      bindTimer(el);
      var since = Date.parse(el.dataset.runningSince || "");
      var seconds = parseInt(el.dataset.accumulated || "0", 10) || 0;
      if (!isNaN(since)) {
        seconds += (Date.now() + el.timerOffset - since) / 1000;
      }
      var outputs = el.querySelectorAll("[data-timer-elapsed]");
      for (var j = 0; j < outputs.length; j++) {
        outputs[j].textContent = clock(seconds);
      }
      followTimer(el, seconds);
    }
  }

  /* An action form offers the ticket timer's time: the offer keeps up with the timer until
     the person edits it. The hidden "offered" field moves with it, so the server can tell an
     untouched offer (log what the timer counted) from an edited time. */
  function followTimer(el, seconds) {
    var inputs = el.querySelectorAll("[data-timer-minutes]");
    for (var k = 0; k < inputs.length; k++) {
      var input = inputs[k];
      if (input.dataset.edited) continue;
      var minutes = Math.floor((Math.max(0, seconds) + 30) / 60); // half-up, as the server
      var text = Math.floor(minutes / 60) + ":" + pad(minutes % 60);
      if (document.activeElement !== input) input.value = text;
      var offered = input.form && input.form.querySelector("[name=offered]");
      if (offered && document.activeElement !== input) offered.value = text;
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-timer-minutes]")) {
      event.target.dataset.edited = "1";
    }
  });

  /* The small-screen menu button. */
  function bindNavToggle() {
    var button = document.querySelector("[data-nav-toggle]");
    if (!button) return;
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      menu.classList.toggle("is-open", !open);
    });
  }

  /* "Add" links on a day fill the add-entry form's date instead of reloading the page. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-fill-date]");
    if (!link) return;
    var form = document.getElementById("entry-form");
    if (!form) return;
    var date = form.querySelector("[name=date]");
    if (!date) return;
    event.preventDefault();
    date.value = link.dataset.fillDate;
    if (link.dataset.fillStart) {
      var start = form.querySelector("[name=start]");
      if (start) start.value = link.dataset.fillStart;
    }
    form.scrollIntoView({ behavior: "smooth", block: "start" });
    var first = form.querySelector("[name=start]") || date;
    first.focus({ preventScroll: true });
  });

  /* Forms and buttons that do something hard to undo ask first (data-confirm="question").
     htmx requests use hx-confirm instead. */
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return; // htmx already handled it (and asked via hx-confirm)
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  /* A fragment swapped in by htmx: start its timers and focus its first field when asked. */
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (!root || !root.querySelector) return;
    var focus = root.matches("[data-autofocus]") ? root : root.querySelector("[data-autofocus]");
    if (focus) {
      var fields = "input:not([type=hidden]), select, textarea";
      var field = focus.matches(fields) ? focus : focus.querySelector(fields);
      if (field) field.focus();
    }
    tick();
  });

  /* A swapped-in error message should be seen even when the button was far down the page. */
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "messages" && target.firstElementChild) {
      target.scrollIntoView({ behavior: "smooth", block: "nearest" });
    }
  });

  /* Polling regions (data-poll-when-visible) skip their refresh while the tab is hidden.
     Done here rather than with an hx-trigger filter, which htmx would have to eval. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.hasAttribute("data-poll-when-visible") && document.visibilityState !== "visible") {
      event.preventDefault();
    }
  });

  /* Capture on open: a ticket's page asks the server to start its timer once it has been
     opened by the person — not on a reload, not coming back with Back, not after a form on
     this same page (a Stop) brought them back here. Prefetchers run no script, so they
     never start anything. */
  function captureOnOpen() {
    var el = document.querySelector("[data-capture-on-open]");
    if (!el || !window.htmx) return;
    var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    if (nav && nav.type !== "navigate") return;
    try {
      if (document.referrer && new URL(document.referrer).pathname === window.location.pathname) return;
    } catch (e) { /* an unreadable referrer counts as another page */ }
    window.htmx.trigger(el, "capture-open");
  }

  /* Dialogs: content swapped into #dialog-body opens the dialog; Cancel closes it. */
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "dialog-body") return;
    var dialog = document.getElementById("dialog");
    if (dialog && !dialog.open) dialog.showModal();
  });
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-dialog-close]");
    var dialog = close && close.closest("dialog");
    if (!dialog) return;
    event.preventDefault();
    dialog.close();
  });
  document.addEventListener("close", function (event) {
    if (event.target.id === "dialog") document.getElementById("dialog-body").textContent = "";
  }, true);

  function start() {
    bindNavToggle();
    // After htmx has processed the page (its DOMContentLoaded listener was added first).
    if (document.readyState === "complete") captureOnOpen();
    else document.addEventListener("DOMContentLoaded", captureOnOpen);
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

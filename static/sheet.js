/* The sheet grid (templates/sheet/grid.html): one tab of the workbook in Tabulator, right to
   left. Rows come a page at a time from the server (sorted and filtered there); an edit, a
   pasted block, a new row or a new column is sent to the server, which has the last word: a
   refused edit puts back the value the sheet holds now and says why. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("sheet-config").textContent);
  var csrfMeta = document.querySelector('meta[name="csrf-token"]') || { content: "" };
  var statusEl = document.getElementById("sheet-status");
  var gridEl = document.getElementById("sheet-grid");
  var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  var quiet = false; // true while the grid itself puts a value in a cell (not a person's edit)

  var MSG = {
    offline: "تعذر الاتصال بالخادم، فلم يُحفظ شيء. تحقق من الاتصال وأعد المحاولة.",
    session: "انتهت جلستك: سجّل الدخول من جديد ثم أعد المحاولة.",
    failed: "لم يُحفظ: حدث خطأ في الخادم. أعد المحاولة بعد قليل.",
    load: "تعذر تحميل الصفوف. حدّث الصفحة بعد قليل.",
    expired: "انتهت صلاحية الصفحة فلم يُحفظ: حدّثها ثم أعد التعديل.",
    forbidden: "ليس هذا من صلاحيات دورك.",
  };

  // -- talking to the server ------------------------------------------------------------
  function readJSON(res) {
    var type = res.headers.get("content-type") || "";
    if (type.indexOf("json") < 0) {
      // A sign-in page after a redirect, or an error page: not an answer to read.
      return { status: res.redirected || res.status === 401 ? 401 : res.status || 500, body: {} };
    }
    return res.json().then(function (body) {
      return { status: res.status, body: body || {}, json: true };
    }, function () { return { status: 500, body: {} }; });
  }

  function postOnce(url, payload) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrfMeta.content },
      body: JSON.stringify(payload),
    }).then(readJSON, function () { return { status: 0, body: {} }; });
  }

  // A grid left open for hours outlives its page's token (a 400 page, not JSON): take a new
  // token from the same page, read again, and send once more.
  function freshToken() {
    return fetch(window.location.href, { credentials: "same-origin" }).then(function (res) {
      return res.ok && !res.redirected ? res.text() : "";
    }).then(function (html) {
      var meta = html && new DOMParser().parseFromString(html, "text/html")
        .querySelector('meta[name="csrf-token"]');
      if (!meta || !meta.content) return false;
      csrfMeta.content = meta.content;
      return true;
    }, function () { return false; });
  }

  function post(url, payload) {
    return postOnce(url, payload).then(function (answer) {
      if (answer.status !== 400 || answer.json) return answer;
      return freshToken().then(function (renewed) {
        return renewed ? postOnce(url, payload) : answer;
      });
    });
  }

  function failure(answer) {
    if (answer.body && answer.body.message) return answer.body.message;
    if (answer.status === 0) return MSG.offline;
    if (answer.status === 401) return MSG.session;
    if (answer.status === 400 && !answer.json) return MSG.expired;
    if (answer.status === 403) return MSG.forbidden;
    return MSG.failed;
  }

  function say(text, kind) {
    statusEl.textContent = text || "";
    statusEl.className = "sheet-status" + (kind ? " sheet-status-" + kind : "");
  }

  // The query the contract asks for: page, size, sort, dir and filter[i][field|type|value].
  function loadPage(url, config, params) {
    var q = new URLSearchParams();
    q.set("page", params.page || 1);
    q.set("size", params.size || 50);
    var sorters = params.sort || params.sorters || [];
    if (sorters.length) {
      q.set("sort", sorters[0].field);
      q.set("dir", sorters[0].dir === "desc" ? "desc" : "asc");
    }
    (params.filter || params.filters || []).forEach(function (f, i) {
      q.set("filter[" + i + "][field]", f.field);
      q.set("filter[" + i + "][type]", f.type || "like");
      q.set("filter[" + i + "][value]", f.value == null ? "" : f.value);
    });
    return fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + q.toString(), {
      credentials: "same-origin", headers: { "Accept": "application/json" },
    }).then(readJSON, function () { return { status: 0, body: {} }; }).then(function (answer) {
      if (answer.status !== 200 || !Array.isArray(answer.body.data)) {
        say(answer.status === 0 ? MSG.load : failure(answer) || MSG.load, "error");
        throw new Error("load failed");
      }
      return answer.body;
    });
  }

  // -- columns --------------------------------------------------------------------------
  function escapeHTML(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function text(value) { return value == null ? "" : String(value); }

  // «خانة» counted as Arabic grammar asks (arabic.count on the server): خانة واحدة، خانتان
  // (خانتين after a preposition or as an object)، 3 خانات، 11 خانة.
  function cellsCount(n, oblique) {
    if (n === 1) return "خانة واحدة";
    if (n === 2) return oblique ? "خانتين" : "خانتان";
    var tail = Math.abs(n) % 100;
    return n + (tail >= 3 && tail <= 10 ? " خانات" : " خانة");
  }

  function problemOf(row, field) {
    var problems = row.getData()._problems;
    return problems && problems[field] ? problems[field] : "";
  }

  // Every cell: its text (never HTML), and a problem the server found marked and explained.
  function formatCell(cell) {
    var el = cell.getElement();
    var problem = problemOf(cell.getRow(), cell.getField());
    el.classList.toggle("sheet-problem", !!problem);
    if (problem) el.setAttribute("title", problem); else el.removeAttribute("title");
    return escapeHTML(cell.getValue());
  }

  // The audit's time, read by a person: «2026-11-23 10:05» (the full stamp in its tooltip).
  function formatTime(cell) {
    var raw = text(cell.getValue());
    var m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(raw);
    if (m) cell.getElement().setAttribute("title", raw);
    return m ? escapeHTML(m[1] + " " + m[2]) : escapeHTML(raw);
  }

  // «الجوال: +9665… → +9665…» in right-to-left text: each value isolated so a «+» or a date
  // stays whole, and the arrow drawn pointing from the old value to the new one. Display only:
  // a copied cell is the text the sheet holds.
  function formatChanges(cell) {
    var raw = text(cell.getValue());
    cell.getElement().setAttribute("title", raw);
    return raw.split("؛ ").map(function (part) {
      var colon = part.indexOf(": ");
      var head = colon < 0 ? "" : part.slice(0, colon + 2);
      var values = (colon < 0 ? part : part.slice(colon + 2)).split(" → ");
      return escapeHTML(head) + values.map(function (v) {
        return "<bdi>" + escapeHTML(v) + "</bdi>";
      }).join(" ←\u00a0"); // the arrow stays on the line of the value it points to
    }).join("؛ ");
  }

  function readOnly(col) { return !col.editable || col.computed || col.field === cfg.key; }

  // Edits are addressed by the record's ID: a row typed without one (the sync gives it one)
  // and a tab without IDs are read here, not edited.
  function noId(row) { return !text(row.getData()._id); }
  var NO_ID = "هذا الصف بلا رقم سجل بعد فلا يُعدَّل من هنا؛ تعطيه المزامنة رقمًا.";

  function columnDef(col) {
    var locked = readOnly(col);
    var classes = [locked ? "sheet-readonly" : "sheet-editable"];
    if (col.computed) classes.push("sheet-computed");
    if (col.field === cfg.key) classes.push("sheet-key");
    if (col.own) classes.push("sheet-own");
    var tip = col.field === cfg.key ? "رقم يضعه النظام: لا يُعدَّل"
      : col.computed ? "عمود يحسبه النظام: لا يُعدَّل"
      : !col.editable ? "لا يعدّل دورك هذا العمود"
      : col.own ? "عمود أضافه أحد المستخدمين؛ لا يقرؤه النظام في حساباته" : "";
    var def = {
      title: escapeHTML(col.title), field: col.field, cssClass: classes.join(" "),
      headerFilter: "input", headerFilterPlaceholder: "تصفية…", headerSort: true,
      formatter: formatCell, minWidth: 90, maxWidth: 320,
    };
    if (col.display === "time") def.formatter = formatTime;
    if (col.display === "changes") {
      def.formatter = formatChanges;
      // On a phone the changes fit the screen's width (wrapped), not 560 px behind the «#».
      def.maxWidth = Math.min(560, Math.max(220, (window.innerWidth || 560) - 110));
      def.cssClass += " sheet-wrap";
    }
    if (tip) def.headerTooltip = tip;
    if (!locked) {
      def.editor = Array.isArray(col.choices) && col.choices.length ? "list" : "input";
      def.editorParams = { selectContents: true };
      def.editable = function (cell) { return !noId(cell.getRow()); };
      if (def.editor === "list") {
        def.editorParams = { values: col.choices, autocomplete: true, freetext: true,
                             allowEmpty: true, listOnEmpty: true };
      }
    }
    return def;
  }

  function byField(field) {
    return cfg.columns.filter(function (c) { return c.field === field; })[0];
  }

  // -- the grid -------------------------------------------------------------------------
  // Right to left: the arrow keys move the way they point (Tabulator's "left" is the
  // previous column, which is on the right here).
  var keybindings = {
    navLeft: 39, navRight: 37,
    rangeJumpLeft: ["ctrl + 39", "meta + 39"], rangeJumpRight: ["ctrl + 37", "meta + 37"],
    rangeExpandLeft: "shift + 39", rangeExpandRight: "shift + 37",
    rangeExpandJumpLeft: ["ctrl + shift + 39", "meta + shift + 39"],
    rangeExpandJumpRight: ["ctrl + shift + 37", "meta + shift + 37"],
  };

  var table = new Tabulator(gridEl, {
    textDirection: "rtl",
    height: "70vh",
    layout: "fitData",
    index: "_row",
    locale: "ar",
    langs: { ar: {
      data: { loading: "جارٍ التحميل…", error: "تعذر التحميل" },
      pagination: {
        page_size: "صفوف في الصفحة", page_title: "عرض الصفحة",
        first: "الأولى", first_title: "الصفحة الأولى", last: "الأخيرة",
        last_title: "الصفحة الأخيرة", prev: "السابقة", prev_title: "الصفحة السابقة",
        next: "التالية", next_title: "الصفحة التالية", all: "الكل",
        counter: { showing: "عرض", of: "من", rows: "صفًا", pages: "صفحات" },
      },
      headerFilters: { "default": "تصفية…" },
    } },
    placeholder: "لا صفوف هنا (أو لا صفوف تطابق التصفية).",
    ajaxURL: cfg.urls.data,
    ajaxRequestFunc: loadPage,
    pagination: true,
    paginationMode: "remote",
    paginationSize: 50,
    paginationSizeSelector: [25, 50, 100, 200],
    paginationButtonCount: 3,
    paginationCounter: function (size, row, page, total) {
      if (!total) return "لا صفوف";
      var last = Math.min(row + size - 1, total);
      return "الصفوف " + row + "–" + last + " من " + total;
    },
    sortMode: "remote",
    filterMode: "remote",
    headerFilterLiveFilterDelay: 500,
    columnHeaderSortMulti: false,
    selectableRange: 1,
    selectableRangeColumns: false,
    selectableRangeRows: true,
    editTriggerEvent: coarse ? "click" : "dblclick",
    clipboard: "copy",
    clipboardCopyRowRange: "range",
    clipboardCopyConfig: { columnHeaders: false, columnGroups: false, rowHeaders: false,
                           rowGroups: false, columnCalcs: false, dataTree: false,
                           formatCells: false },
    keybindings: keybindings,
    rowHeader: { title: "#", field: "_row", headerSort: false, resizable: false, frozen: true,
                 hozAlign: "center", cssClass: "sheet-rownum", width: 52,
                 headerTooltip: "رقم الصف في ملف البيانات", formatter: formatCell },
    columnDefaults: { headerWordWrap: false },
    columns: cfg.columns.map(columnDef),
    // The audit grows at its end: its newest rows first.
    initialSort: cfg.newest_first ? [{ column: cfg.columns[0].field, dir: "desc" }] : [],
  });

  // -- writing cells --------------------------------------------------------------------
  function rowOf(index) { return table.getRow(index) || null; }

  function put(index, field, value, problem) {
    var row = rowOf(index);
    if (!row) return null; // the page changed meanwhile; the sheet has the last word anyway
    var data = row.getData();
    if (problem !== undefined) {
      data._problems = data._problems || {};
      if (problem) data._problems[field] = problem; else delete data._problems[field];
    }
    quiet = true;
    try { row.getCell(field).setValue(text(value)); } finally { quiet = false; }
    row.reformat();
    return row.getCell(field);
  }

  function mark(index, field, cls, on, title) {
    var row = rowOf(index);
    var cell = row && row.getCell(field);
    if (!cell) return;
    var el = cell.getElement();
    el.classList.toggle(cls, on);
    if (title) el.setAttribute("title", title);
  }

  function settle(edit, answer) {
    var body = answer.body || {};
    mark(edit.index, edit.field, "sheet-saving", false);
    if (answer.status === 200 && body.ok) {
      put(edit.index, edit.field, body.value !== undefined ? body.value : edit.value,
          body.problem || "");
      mark(edit.index, edit.field, "sheet-conflict", false);
      return { ok: true };
    }
    if (body.current !== undefined) { // 409: someone changed it first; show what it holds now
      put(edit.index, edit.field, body.current);
      mark(edit.index, edit.field, "sheet-conflict", true, body.message || "");
      return { ok: false, message: body.message || "غُيّرت هذه الخانة قبلك؛ القيمة الحالية معروضة." };
    }
    put(edit.index, edit.field, edit.seen);
    return { ok: false, message: body.message || failure(answer) };
  }

  function payload(edit) {
    return { id: edit.id, field: edit.field, value: edit.value, seen: edit.seen };
  }

  var BATCH = 200; // cells per request: a big paste goes in a few requests, one after another

  function sendBatch(edits) { // → one result ({ok} or {ok: false, message}) per edit
    var many = edits.length > 1;
    var request = many ? post(cfg.urls.cell, { edits: edits.map(payload) })
                       : post(cfg.urls.cell, payload(edits[0]));
    return request.then(function (answer) {
      if (many && answer.status === 200 && Array.isArray(answer.body.results)) {
        return edits.map(function (e, i) {
          var one = answer.body.results[i] || {};
          return settle(e, { status: one.ok ? 200 : (one.current !== undefined ? 409 : 400),
                             body: one, json: true });
        });
      }
      return edits.map(function (e) { return settle(e, answer); });
    });
  }

  function send(edits) {
    if (!edits.length) return Promise.resolve();
    edits.forEach(function (e) { mark(e.index, e.field, "sheet-saving", true); });
    var many = edits.length > 1;
    say(many ? "جارٍ حفظ " + cellsCount(edits.length, true) + "…" : "جارٍ الحفظ…", "busy");
    var results = [], chain = Promise.resolve();
    for (var i = 0; i < edits.length; i += BATCH) {
      (function (chunk) {
        chain = chain.then(function () {
          return sendBatch(chunk).then(function (got) { results = results.concat(got); });
        });
      })(edits.slice(i, i + BATCH));
    }
    return chain.then(function () {
      var refused = results.filter(function (r) { return !r.ok; });
      if (!refused.length) {
        say(many ? "حُفظت " + cellsCount(edits.length) + "." : "حُفظ.", "ok");
      } else if (!many) {
        say(refused[0].message, "error");
      } else {
        var reasons = refused.map(function (r) { return r.message; })
          .filter(function (m, i, all) { return all.indexOf(m) === i; });
        say("حُفظ " + (edits.length - refused.length) + " من " + cellsCount(edits.length, true) +
            "، ورُدّ " + refused.length + ": " + reasons.join(" · "), "error");
      }
    });
  }

  function editOf(cell, value, seen) {
    var data = cell.getRow().getData();
    return { index: data._row, id: data._id == null ? "" : data._id, field: cell.getField(),
             value: text(value), seen: text(seen) };
  }

  table.on("cellEdited", function (cell) {
    if (quiet) return;
    send([editOf(cell, cell.getValue(), cell.getOldValue())]);
  });

  // -- a pasted block, and clearing a selection: one request each -----------------------
  function parseTSV(raw) {
    var rows = [], row = [], cell = "", i = 0, quoted = false, c;
    raw = raw.replace(/\r\n?/g, "\n");
    while (i < raw.length) {
      c = raw[i];
      if (quoted) {
        if (c === '"' && raw[i + 1] === '"') { cell += '"'; i += 2; continue; }
        if (c === '"') { quoted = false; i++; continue; }
        cell += c; i++; continue;
      }
      if (c === '"' && cell === "") { quoted = true; i++; continue; }
      if (c === "\t") { row.push(cell); cell = ""; i++; continue; }
      if (c === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i++; continue; }
      cell += c; i++;
    }
    if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
    return rows;
  }

  function dataColumns() {
    return table.getColumns().filter(function (c) {
      return c.isVisible() && byField(c.getField());
    });
  }

  function selection() {
    var ranges = table.getRanges ? table.getRanges() : [];
    if (!ranges.length) return null;
    var cells = ranges[0].getStructuredCells().map(function (r) {
      return r.filter(function (c) { return byField(c.getField()); });
    }).filter(function (r) { return r.length; });
    return cells.length ? cells : null;
  }

  function isEditing() { return !!gridEl.querySelector(".tabulator-editing"); }

  // Keys and pastes in a cell's editor, a header filter or the pager are theirs, not the
  // selected cells'.
  function inBox(e) {
    return /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(e.target.tagName || "") ||
      !(e.target.closest && e.target.closest(".tabulator-tableholder"));
  }

  function apply(targets) { // [{cell, value}] → one request; read-only cells are left alone
    var edits = [], locked = 0;
    targets.forEach(function (t) {
      var col = byField(t.cell.getField());
      if (!col || readOnly(col) || noId(t.cell.getRow())) { locked++; return; }
      var seen = text(t.cell.getValue());
      if (seen === t.value) return;
      var edit = editOf(t.cell, t.value, seen);
      put(edit.index, edit.field, t.value);
      edits.push(edit);
    });
    var done = send(edits);
    if (locked) {
      done.then(function () {
        statusEl.textContent += " (تُركت " + cellsCount(locked) + " لا تُعدَّل هنا.)";
      });
    }
    if (!edits.length && !locked) say("لا تغيير.", "ok");
    return done;
  }

  function pasteBlock(block, from) {
    var sel = from ? [[from]] : selection();
    if (!sel) { say("حدّد خانة أولًا ثم الصق.", "error"); return; }
    var targets = [], dropped = 0;
    if (block.length === 1 && block[0].length === 1) { // one value fills the selection
      sel.forEach(function (r) { r.forEach(function (c) { targets.push({ cell: c, value: block[0][0] }); }); });
      return apply(targets);
    }
    var start = sel[0][0];
    var rows = table.getRows("active");
    var cols = dataColumns();
    var r0 = rows.map(function (r) { return r.getIndex(); }).indexOf(start.getRow().getIndex());
    var c0 = cols.map(function (c) { return c.getField(); }).indexOf(start.getField());
    block.forEach(function (values, i) {
      values.forEach(function (value, j) {
        var row = rows[r0 + i], col = cols[c0 + j];
        if (!row || !col) { dropped++; return; }
        targets.push({ cell: row.getCell(col.getField()), value: value });
      });
    });
    var done = apply(targets);
    if (dropped) {
      done.then(function () {
        statusEl.textContent += " (" + dropped + " قيم خارج الصفحة أو بعد آخر عمود لم تُلصق.)";
      });
    }
  }

  // The cell being edited: on a phone a tap opens the editor, so a block copied from a
  // spreadsheet is pasted into it; it goes to the cells from there instead.
  var editing = null;
  table.on("cellEditing", function (cell) { editing = cell; });
  table.on("cellEditCancelled", function () { editing = null; });
  table.on("cellEdited", function () { editing = null; });

  gridEl.addEventListener("paste", function (e) {
    var raw = e.clipboardData ? e.clipboardData.getData("text/plain") : "";
    var block = raw && /[\t\n]/.test(raw.replace(/[\r\n]+$/, ""));
    if (isEditing() && editing && block) {
      e.preventDefault();
      e.stopPropagation();
      var from = editing;
      from.cancelEdit();
      pasteBlock(parseTSV(raw), from);
      return;
    }
    if (isEditing() || inBox(e) || !raw) return;
    e.preventDefault();
    e.stopPropagation();
    pasteBlock(parseTSV(raw));
  }, true);

  gridEl.addEventListener("keydown", function (e) {
    if (isEditing() || inBox(e) || (e.key !== "Delete" && e.key !== "Backspace")) return;
    var sel = selection();
    if (!sel) return;
    e.preventDefault();
    var targets = [];
    sel.forEach(function (r) { r.forEach(function (c) { targets.push({ cell: c, value: "" }); }); });
    var filled = targets.filter(function (t) {
      var col = byField(t.cell.getField());
      return col && !readOnly(col) && text(t.cell.getValue()) !== "";
    }).length;
    if (filled > 3 && !window.confirm("تفريغ " + cellsCount(filled, true) + " فيها بيانات؟")) return;
    apply(targets);
  });

  // Tabulator filters on keyup, which a phone's keyboard, an input method or a pasted word may
  // never send: any change of a header filter's text filters (its "search" event, debounced).
  gridEl.addEventListener("input", function (e) {
    if (e.target.closest && e.target.closest(".tabulator-header-filter")) {
      e.target.dispatchEvent(new Event("search"));
    }
  });

  gridEl.addEventListener("keydown", function (e) {
    if (isEditing() || inBox(e)) return;
    var sel = selection();
    if (!sel) return;
    var cell = sel[0][0], col = byField(cell.getField());
    if (e.key === "F2") { // F2 edits, as in a spreadsheet
      e.preventDefault();
      cell.edit();
    } else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && col &&
               !readOnly(col)) {
      // Typing on a selected cell replaces its text: the editor opens with its text selected
      // and takes this very key press.
      cell.edit();
    }
  });

  // On a phone a tooltip never shows: a tap on a marked or locked cell says it in words.
  function lockedWhy(col) {
    return col.field === cfg.key ? "رقم السجل يضعه النظام ولا يُعدَّل."
      : col.computed ? "«" + col.title + "» يحسبه النظام ولا يُعدَّل."
      : "لا يعدّل دورك «" + col.title + "».";
  }

  table.on("cellClick", function (e, cell) {
    var col = byField(cell.getField());
    if (cell.getField() === "_row" && problemOf(cell.getRow(), "_row")) {
      say("الصف " + cell.getValue() + ": " + problemOf(cell.getRow(), "_row") +
          " — أخبر أحد الموظفين ليصلحه.", "error");
      return;
    }
    if (!col) return;
    var problem = problemOf(cell.getRow(), cell.getField());
    if (problem) {
      say("«" + col.title + "» في الصف " + cell.getRow().getData()._row + ": " + problem, "error");
    } else if (!readOnly(col) && noId(cell.getRow())) {
      say(NO_ID, "");
    } else if (readOnly(col) && coarse) {
      say(lockedWhy(col), "");
    }
  });
  table.on("cellDblClick", function (e, cell) {
    var col = byField(cell.getField());
    if (col && readOnly(col)) say(lockedWhy(col), "");
  });
  table.on("dataLoadError", function () { say(MSG.load, "error"); });
  table.on("tableBuilt", function () { gridEl.setAttribute("data-ready", "1"); });
  table.on("dataProcessed", function () { gridEl.setAttribute("data-loaded", String(Date.now())); });

  // -- adding a row (a form of the editable columns) and a column -----------------------
  function dialog(id) {
    var dlg = document.getElementById(id);
    var form = dlg.querySelector("form");
    var error = dlg.querySelector(".sheet-dialog-error");
    dlg.querySelectorAll("[data-close]").forEach(function (b) {
      b.addEventListener("click", function () { dlg.close(); });
    });
    return { dlg: dlg, form: form, error: error };
  }

  var rowDlg = dialog("sheet-row-dialog");
  var added = 0; // rows added from this page
  var colDlg = dialog("sheet-column-dialog");

  function rowFields() {
    var box = rowDlg.form.querySelector(".sheet-row-fields");
    box.textContent = "";
    // What the row needs first: the required columns, then those hidden from this role that a
    // new row still needs (typed once, never shown), then the rest.
    var all = (cfg.entry || []).concat(cfg.columns.filter(function (c) { return !readOnly(c); }));
    var need = all.filter(function (c) { return c.required; });
    var either = all.filter(function (c) { return !c.required && c.either; });
    var rest = all.filter(function (c) { return !c.required && !c.either; });
    need.concat(either, rest).forEach(function (c, i) {
      var wrap = document.createElement("div");
      wrap.className = "field";
      var label = document.createElement("label");
      label.htmlFor = "sheet-new-" + i;
      label.textContent = c.title;
      if (c.required || c.either) {
        var star = document.createElement("span");
        star.className = "required-mark";
        star.textContent = " *";
        star.setAttribute("aria-hidden", "true"); // said by aria-required instead
        label.appendChild(star);
      }
      var input = document.createElement("input");
      input.id = "sheet-new-" + i;
      input.name = c.field;
      input.autocomplete = "off";
      input.required = !!c.required;
      if (c.required || c.either) input.setAttribute("aria-required", "true");
      if (Array.isArray(c.choices) && c.choices.length) {
        var list = document.createElement("datalist");
        list.id = "sheet-new-list-" + i;
        c.choices.forEach(function (v) {
          var o = document.createElement("option"); o.value = v; list.appendChild(o);
        });
        input.setAttribute("list", list.id);
        wrap.appendChild(list);
      }
      wrap.appendChild(label);
      wrap.appendChild(input);
      box.appendChild(wrap);
    });
  }

  var addRow = document.getElementById("sheet-add-row");
  if (addRow) addRow.addEventListener("click", function () {
    rowFields();
    rowDlg.error.textContent = "";
    rowDlg.dlg.showModal();
  });

  rowDlg.form.addEventListener("submit", function (e) {
    e.preventDefault();
    // The form is checked here, in Arabic (a browser would say it in its own language).
    var empty = Array.prototype.filter.call(
      rowDlg.form.querySelectorAll(".sheet-row-fields input"),
      function (input) { return input.required && !input.value.trim(); });
    Array.prototype.forEach.call(rowDlg.form.querySelectorAll(".sheet-row-fields input"),
      function (input) { input.toggleAttribute("aria-invalid", empty.indexOf(input) >= 0); });
    if (empty.length) {
      rowDlg.error.textContent = "املأ الحقول المطلوبة: " + empty.map(function (input) {
        return input.labels[0].firstChild.textContent;
      }).join("، ") + ".";
      empty[0].focus();
      return;
    }
    var values = {};
    Array.prototype.forEach.call(rowDlg.form.querySelectorAll(".sheet-row-fields input"),
      function (input) { if (input.value.trim()) values[input.name] = input.value.trim(); });
    var button = rowDlg.form.querySelector("button[value=save]");
    button.disabled = true;
    rowDlg.error.textContent = "";
    post(cfg.urls.row, { values: values }).then(function (answer) {
      button.disabled = false;
      var body = answer.body || {};
      if (answer.status === 200 && body.ok && body.row) {
        rowDlg.dlg.close();
        var data = body.row;
        var where = data._row ? " في الصف " + data._row + " من ملف البيانات" : "";
        if (data._row == null) data._row = "+" + (++added); // the grid needs an index of its own
        if (data._id == null) data._id = body.id || "";
        return table.addRow(data, true).then(function (row) {
          row.scrollTo();
          row.getElement().classList.add("sheet-new-row");
          say("أُضيف صف جديد" + (body.id ? " برقم " + body.id : "") + where + ".", "ok");
        });
      }
      rowDlg.error.textContent = failure(answer);
    });
  });

  var addColumn = document.getElementById("sheet-add-column");
  if (addColumn) addColumn.addEventListener("click", function () {
    colDlg.form.reset();
    colDlg.error.textContent = "";
    colDlg.dlg.showModal();
  });

  colDlg.form.addEventListener("submit", function (e) {
    e.preventDefault();
    var title = colDlg.form.elements.title.value.trim();
    if (!title) { colDlg.error.textContent = "اكتب عنوان العمود."; return; }
    var button = colDlg.form.querySelector("button[value=save]");
    button.disabled = true;
    colDlg.error.textContent = "";
    post(cfg.urls.column, { title: title }).then(function (answer) {
      button.disabled = false;
      var body = answer.body || {};
      if (answer.status === 200 && body.ok && body.field) {
        colDlg.dlg.close();
        // Whether its cells may be edited here is the server's to say (``editable``).
        var col = { field: body.field, title: body.title || title,
                    editable: body.editable === true, computed: false, own: true };
        cfg.columns.push(col);
        return table.addColumn(columnDef(col)).then(function (column) {
          column.scrollTo();
          say("أُضيف العمود «" + col.title + "» بعد آخر عمود.", "ok");
        });
      }
      colDlg.error.textContent = failure(answer);
    });
  });

  window.mustafidSheet = table; // for the browser tests and for anyone in the console
})();

/* docpipe review: the queue and document pages (plain JavaScript, no
 * framework). Every value from a document is put into the page with
 * textContent or as an attribute value, never parsed as HTML. */
"use strict";

(function () {
	var csrfMeta = document.querySelector('meta[name="csrf-token"]');
	var CSRF = csrfMeta ? csrfMeta.getAttribute("content") : "";

	/* an element with attributes and children (strings become text nodes) */
	function el(tag, attrs, children) {
		var e = document.createElement(tag);
		var k;
		for (k in attrs || {}) {
			if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] === null || attrs[k] === undefined)
				continue;
			if (k === "text")
				e.textContent = String(attrs[k]);
			else if (k === "className")
				e.className = attrs[k];
			else
				e.setAttribute(k, String(attrs[k]));
		}
		(children || []).forEach(function (c) {
			if (c === null || c === undefined)
				return;
			e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
		});
		return e;
	}

	function message(text, isError) {
		var m = document.getElementById("message");
		if (!m)
			return;
		m.textContent = text || "";
		m.className = isError ? "error" : "";
	}

	/* the JSON API with the session cookie and the CSRF token */
	function api(method, path, body) {
		var opt = {
			method: method,
			credentials: "same-origin",
			headers: { "X-Requested-With": "docpipe", "Accept": "application/json" }
		};
		if (method !== "GET")
			opt.headers["X-CSRF-Token"] = CSRF;
		if (body !== undefined) {
			opt.headers["Content-Type"] = "application/json";
			opt.body = JSON.stringify(body);
		}
		return fetch(path, opt).then(function (r) {
			if (r.status === 401) {
				window.location.href = "/login";
				throw new Error("ログインしてください / please log in");
			}
			return r.json().catch(function () { return {}; }).then(function (j) {
				if (!r.ok)
					throw new Error((j && j.error) || ("HTTP " + r.status));
				return j;
			});
		});
	}

	var STATUS_JA = {
		needs_review: "要確認", invalid: "不備あり", accepted: "受理", rejected: "却下",
		transcribed: "文字起こし済み", loaded: "登録済み"
	};
	function statusText(s) {
		return (STATUS_JA[s] ? STATUS_JA[s] + " / " : "") + (s || "");
	}

	function filters() {
		var f = {};
		try { f = JSON.parse(sessionStorage.getItem("dp-filters") || "{}") || {}; } catch (e) { f = {}; }
		return { procedure: f.procedure || "", form: f.form || "" };
	}
	function queryOf(f, limit, offset) {
		var q = "limit=" + limit + "&offset=" + offset;
		if (f.procedure)
			q += "&procedure=" + encodeURIComponent(f.procedure);
		if (f.form)
			q += "&form=" + encodeURIComponent(f.form);
		return q;
	}

	/* the next document of the queue (oldest first) after `current` */
	function gotoNext(current) {
		api("GET", "/api/queue?" + queryOf(filters(), 500, 0)).then(function (q) {
			var docs = q.documents || [], i, pick = null, seen = false;
			for (i = 0; i < docs.length; i++) {
				if (String(docs[i].id) === String(current)) {
					seen = true;
					continue;
				}
				if (seen) {
					pick = docs[i];
					break;
				}
			}
			if (!pick)
				for (i = 0; i < docs.length; i++)
					if (String(docs[i].id) !== String(current)) {
						pick = docs[i];
						break;
					}
			if (pick)
				window.location.href = "/doc/" + encodeURIComponent(pick.id);
			else {
				message("審査待ちの書類はもうありません / no document left to review", false);
				window.location.href = "/";
			}
		}).catch(function (e) { message(e.message, true); });
	}

	/* ---- the queue ---- */

	function queuePage() {
		var f = filters(), offset = 0, LIMIT = 50, selected = 0, rows = [];
		var selP = document.getElementById("f-procedure"), selF = document.getElementById("f-form");

		function fillSelect(sel, values, current) {
			var keep = sel.options[0];
			sel.textContent = "";
			sel.appendChild(keep);
			values.forEach(function (v) {
				var o = el("option", { value: v, text: v });
				if (v === current)
					o.selected = true;
				sel.appendChild(o);
			});
		}

		function select(i) {
			if (!rows.length)
				return;
			selected = Math.max(0, Math.min(rows.length - 1, i));
			rows.forEach(function (r, k) { r.className = k === selected ? "selected" : ""; });
			var a = rows[selected].querySelector("a");
			if (a)
				a.focus();
		}

		function load() {
			api("GET", "/api/queue?" + queryOf(f, LIMIT, offset)).then(function (q) {
				var procs = {}, forms = {}, tb = document.querySelector("#counts tbody");
				tb.textContent = "";
				(q.counts || []).forEach(function (c) {
					if (c.procedure_code)
						procs[c.procedure_code] = 1;
					if (c.form_type)
						forms[c.form_type] = 1;
					tb.appendChild(el("tr", {}, [el("td", { text: c.procedure_code || "—" }),
						el("td", { text: c.form_type || "—" }), el("td", { text: statusText(c.status) }),
						el("td", { className: "num", text: c.documents })]));
				});
				fillSelect(selP, Object.keys(procs).sort(), f.procedure);
				fillSelect(selF, Object.keys(forms).sort(), f.form);
				var body = document.querySelector("#queue tbody");
				body.textContent = "";
				rows = [];
				(q.documents || []).forEach(function (d) {
					var tr = el("tr", { "data-doc-id": d.id }, [
						el("td", {}, [el("a", { href: "/doc/" + encodeURIComponent(d.id), text: d.id })]),
						el("td", { text: d.received_at || "" }), el("td", { text: d.procedure_code || "—" }),
						el("td", { text: d.form_type || "—" }), el("td", { text: statusText(d.status) }),
						el("td", { className: "num", text: d.flagged }), el("td", { className: "num", text: d.errors }),
						el("td", { text: d.source_name || "" })]);
					body.appendChild(tr);
					rows.push(tr);
				});
				var total = q.total || 0;
				document.getElementById("total").textContent = total + " 件 / documents";
				document.getElementById("page-info").textContent = total ?
					(offset + 1) + "–" + Math.min(offset + LIMIT, total) + " / " + total : "";
				document.getElementById("prev").disabled = offset === 0;
				document.getElementById("more").disabled = offset + LIMIT >= total;
				if (!total)
					message("審査待ちの書類はありません / nothing to review", false);
				else
					message("", false);
				select(0);
			}).catch(function (e) { message(e.message, true); });
		}

		function changed() {
			f = { procedure: selP.value, form: selF.value };
			sessionStorage.setItem("dp-filters", JSON.stringify(f));
			offset = 0;
			load();
		}
		selP.addEventListener("change", changed);
		selF.addEventListener("change", changed);
		document.getElementById("prev").addEventListener("click", function () { offset = Math.max(0, offset - LIMIT); load(); });
		document.getElementById("more").addEventListener("click", function () { offset += LIMIT; load(); });
		document.addEventListener("keydown", function (ev) {
			var t = ev.target.tagName;
			if (t === "SELECT" || t === "INPUT")
				return;
			if (ev.key === "n" && rows.length) {
				ev.preventDefault();
				window.location.href = rows[0].querySelector("a").getAttribute("href");
			} else if (ev.key === "ArrowDown" || ev.key === "j") {
				ev.preventDefault();
				select(selected + 1);
			} else if (ev.key === "ArrowUp" || ev.key === "k") {
				ev.preventDefault();
				select(selected - 1);
			}
		});
		load();
	}

	/* ---- one document ---- */

	function docPage() {
		var DOC = document.body.getAttribute("data-doc");
		var order = null;        /* field ids in the order shown, fixed when the page opens */
		var flaggedAtOpen = {};  /* id -> true: shown with its crop in "fields to check" */
		var rowsById = {};       /* id -> { box, input, ... } kept across updates */
		var segRows = {};
		var busy = false;
		var current = null;
		var docOpen = true;      /* needs_review or invalid: the clerk may still act */

		function fieldIssues(d, name) {
			return (d.issues || []).filter(function (x) { return x.field === name; });
		}
		function needsAttention(d, f) {
			return f.needs_review || fieldIssues(d, f.name).some(function (x) {
				return x.severity === "error" || x.severity === "warning";
			});
		}

		function issueList(list) {
			return el("ul", { className: "issues" }, list.map(function (x) {
				return el("li", { className: "sev-" + x.severity }, [
					el("span", { className: "ja", text: x.message_ja || "" }), " ",
					el("span", { className: "en", text: "(" + (x.code || "") + ") " + (x.message_en || "") })]);
			}));
		}

		function makeRow(f) {
			var withCrop = !!flaggedAtOpen[f.id];
			var input = el("input", { type: "text", className: "field-value", "data-field-id": f.id,
				"data-field-name": f.name, id: "field-" + f.id, autocomplete: "off", spellcheck: "false",
				"aria-label": (f.label || f.name) });
			var r = {
				box: el("div", { className: "field", "data-field-id": f.id }),
				input: input,
				label: el("span", { className: "label" }),
				name: el("span", { className: "name" }),
				raw: el("span", { className: "raw" }),
				meta: el("div", { className: "meta" }),
				issues: el("div", { className: "field-issues" }),
				original: ""
			};
			var right = el("div", {}, [el("div", {}, [r.label, r.name]), input,
				el("div", { className: "meta" }, ["読み取り / read: ", r.raw]), r.meta, r.issues]);
			if (withCrop) {
				r.box.appendChild(el("div", { className: "crop" }, [el("img", {
					src: "/doc/" + encodeURIComponent(DOC) + "/field/" + encodeURIComponent(f.id) + ".png",
					alt: "切り抜き / crop of " + f.name })]));
			} else {
				r.box.className = "field plain";
				r.box.appendChild(el("div", {}, [el("span", { text: "p." + f.page })]));
			}
			r.box.appendChild(right);
			input.addEventListener("focus", function () { current = f.id; input.select(); });
			input.addEventListener("keydown", function (ev) { onFieldKey(ev, f.id); });
			return r;
		}

		function updateRow(d, f) {
			var r = rowsById[f.id];
			r.label.textContent = f.label || f.name;
			r.name.textContent = f.name + (f.type ? " · " + f.type : "");
			r.raw.textContent = f.raw_text === null || f.raw_text === undefined ? "" : f.raw_text;
			var conf = typeof f.confidence === "number" && f.confidence >= 0 ? f.confidence.toFixed(0) : "—";
			r.meta.textContent = "信頼度 / confidence " + conf + " · " + (f.source || "") +
				(f.needs_review ? " · 要確認 / to check" : " · 確認済み / checked");
			if (document.activeElement !== r.input || r.input.value === r.original)
				r.input.value = f.value === null || f.value === undefined ? "" : f.value;
			r.original = f.value === null || f.value === undefined ? "" : f.value;
			r.issues.textContent = "";
			var list = fieldIssues(d, f.name);
			if (list.length)
				r.issues.appendChild(issueList(list));
			if (flaggedAtOpen[f.id])
				r.box.className = "field" + (needsAttention(d, f) ? "" : " done");
			r.needs = needsAttention(d, f);
		}

		function render(d) {
			var doc = d.document || {};
			var st = document.getElementById("status");
			st.textContent = statusText(doc.status);
			st.className = doc.status || "";
			st.setAttribute("data-status", doc.status || "");
			document.getElementById("source").textContent = doc.source_name || "";
			document.getElementById("procedure").textContent = (doc.procedure_code || "—") + " / " + (doc.form_type || "—");
			document.getElementById("received").textContent = doc.received_at || "";
			var di = document.getElementById("doc-issues");
			di.textContent = "";
			(d.issues || []).filter(function (x) { return !x.field; }).forEach(function (x) {
				di.appendChild(issueList([x]).firstChild);
			});
			document.getElementById("doc-issues-section").hidden = !di.firstChild;

			var fields = d.fields || [];
			if (order === null) {
				order = [];
				fields.forEach(function (f) { if (needsAttention(d, f)) { flaggedAtOpen[f.id] = true; order.push(f.id); } });
				fields.forEach(function (f) { if (!flaggedAtOpen[f.id]) order.push(f.id); });
				var fl = document.getElementById("flagged"), ot = document.getElementById("others");
				fields.forEach(function (f) { rowsById[f.id] = makeRow(f); });
				order.forEach(function (id) { (flaggedAtOpen[id] ? fl : ot).appendChild(rowsById[id].box); });
				if (!fl.firstChild)
					fl.appendChild(el("p", { text: "確認が必要な項目はありません / no field to check" }));
				/* a recording has segments, not fields */
				document.getElementById("flagged-section").hidden = doc.kind === "audio" && !fields.length;
				document.getElementById("other-section").hidden = !ot.firstChild;
				var pages = document.getElementById("pages"), n = doc.page_count || 0, p;
				for (p = 1; p <= n && doc.kind !== "audio"; p++)
					pages.appendChild(pageButton(p));
				document.getElementById("pages-section").hidden = !pages.firstChild;
			}
			fields.forEach(function (f) { if (rowsById[f.id]) updateRow(d, f); });

			var segs = d.segments || [];
			var ss = document.getElementById("segments");
			document.getElementById("segments-section").hidden = !segs.length;
			segs.forEach(function (s) {
				if (!segRows[s.id]) {
					segRows[s.id] = makeSegment(s);
					ss.appendChild(segRows[s.id].box);
				}
				var r = segRows[s.id];
				if (document.activeElement !== r.text || r.text.value === r.original)
					r.text.value = s.text || "";
				r.original = s.text || "";
				r.box.className = "segment" + (s.reviewed ? " reviewed" : "");
			});
			var open = doc.status === "needs_review" || doc.status === "invalid";
			docOpen = open;
			document.getElementById("accept").disabled = !open;
			document.getElementById("reject").disabled = !open;
			document.getElementById("reject-reason").disabled = !open;
			document.querySelectorAll("input.field-value").forEach(function (i) { i.readOnly = !open; });
		}

		function pageButton(p) {
			var wrap = el("div", { className: "page" });
			var b = el("button", { type: "button", className: "show-page", "data-page": p,
				text: "ページ " + p + " を表示 / show page " + p });
			b.addEventListener("click", function () {
				var img = wrap.querySelector("img");
				if (img) {
					img.remove();
					return;
				}
				wrap.appendChild(el("img", { src: "/doc/" + encodeURIComponent(DOC) + "/page/" + p + ".png",
					alt: "ページ " + p + " / page " + p }));
			});
			wrap.appendChild(b);
			return wrap;
		}

		function fmtMs(ms) {
			var s = Math.floor((ms || 0) / 1000);
			return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
		}

		function makeSegment(s) {
			var text = el("textarea", { className: "segment-text", "data-segment-id": s.id, id: "segment-" + s.id,
				rows: 2, "aria-label": "発言 " + s.seq + " / segment " + s.seq });
			var audio = el("audio", { controls: "", preload: "none",
				src: "/doc/" + encodeURIComponent(DOC) + "/segment/" + encodeURIComponent(s.id) + ".wav" });
			var r = { box: el("div", { className: "segment", "data-segment-id": s.id }, [
				el("div", { text: fmtMs(s.start_ms) + "–" + fmtMs(s.end_ms) }), audio, text]), text: text, audio: audio, original: "" };
			text.addEventListener("keydown", function (ev) {
				if (ev.key === "Enter" && ev.ctrlKey) {
					ev.preventDefault();
					gotoNext(DOC);
				} else if (ev.key === "Enter" && !ev.shiftKey) {
					ev.preventDefault();
					saveSegment(s.id);
				} else if (ev.key === "Escape") {
					text.value = r.original;
				}
			});
			text.addEventListener("focus", function () { current = null; });
			return r;
		}

		function saveSegment(id) {
			if (busy)
				return;
			busy = true;
			var r = segRows[id];
			api("POST", "/api/documents/" + encodeURIComponent(DOC) + "/segments/" + encodeURIComponent(id),
				{ text: r.text.value }).then(function (d) {
				r.original = r.text.value;
				render(d);
				message("保存しました / saved", false);
				var ids = Object.keys(segRows), k = ids.indexOf(String(id));
				if (k >= 0 && k + 1 < ids.length)
					segRows[ids[k + 1]].text.focus();
			}).catch(function (e) { message(e.message, true); }).then(function () { busy = false; });
		}

		/* the next field still to check after id (in page order), else #accept */
		function focusAfter(id) {
			var k = order.indexOf(id), i;
			if (!docOpen) {
				/* the last check settled it (accepted when no issue is left) */
				message("書類は「" + document.getElementById("status").textContent + "」になりました / the document is now " +
					document.getElementById("status").getAttribute("data-status") + " — n: 次の書類 / next document", false);
				document.getElementById("next").focus();
				return;
			}
			for (i = k + 1; i < order.length; i++)
				if (flaggedAtOpen[order[i]] && rowsById[order[i]].needs) {
					rowsById[order[i]].input.focus();
					return;
				}
			for (i = 0; i < order.length; i++)
				if (flaggedAtOpen[order[i]] && rowsById[order[i]].needs && order[i] !== id) {
					rowsById[order[i]].input.focus();
					return;
				}
			document.getElementById("accept").focus();
		}

		function submitField(id) {
			var r = rowsById[id];
			if (busy || !r)
				return;
			if (!docOpen) {
				focusAfter(id);
				return;
			}
			busy = true;
			var typed = r.input.value, path = "/api/documents/" + encodeURIComponent(DOC) + "/fields/" + encodeURIComponent(id);
			var p = typed === r.original ? api("POST", path + "/confirm") : api("POST", path, { value: typed });
			p.then(function (d) {
				r.original = typed; /* the answer's value replaces the input below */
				render(d);
				r.input.value = r.original;
				message(typed !== r.original ? "正規化しました / normalised: " + typed + " → " + r.original : "", false);
				focusAfter(id);
			}).catch(function (e) {
				message(e.message, true);
			}).then(function () { busy = false; });
		}

		function onFieldKey(ev, id) {
			var r = rowsById[id];
			if (ev.key === "Enter" && ev.ctrlKey) {
				ev.preventDefault();
				gotoNext(DOC);
			} else if (ev.key === "Enter") {
				ev.preventDefault();
				submitField(id);
			} else if (ev.key === "Escape") {
				ev.preventDefault();
				r.input.value = r.original;
				r.input.select();
			}
		}

		function act(path, body, done) {
			if (busy)
				return;
			busy = true;
			api("POST", "/api/documents/" + encodeURIComponent(DOC) + path, body).then(function (d) {
				render(d);
				done(d);
			}).catch(function (e) { message(e.message, true); }).then(function () { busy = false; });
		}

		document.getElementById("accept").addEventListener("click", function () {
			act("/accept", undefined, function (d) {
				var st = (d.document || {}).status;
				if (st === "accepted") {
					message("受理しました / accepted", false);
					document.getElementById("next").focus();
				} else {
					message("指摘が残っているため受理できません / issues remain: the document is " + st, true);
					focusAfter(null);
				}
			});
		});
		function reject() {
			var reason = document.getElementById("reject-reason");
			if (!reason.value.trim()) {
				message("却下の理由を入力してください / give a reason to reject", true);
				reason.focus();
				return;
			}
			act("/reject", { reason: reason.value.trim() }, function () {
				message("却下しました / rejected", false);
				document.getElementById("next").focus();
			});
		}
		document.getElementById("reject").addEventListener("click", reject);
		document.getElementById("reject-reason").addEventListener("keydown", function (ev) {
			if (ev.key === "Enter" && !ev.ctrlKey) {
				ev.preventDefault();
				reject();
			}
		});
		document.getElementById("next").addEventListener("click", function () { gotoNext(DOC); });
		document.addEventListener("keydown", function (ev) {
			var t = ev.target.tagName;
			if (ev.key === "Enter" && ev.ctrlKey) {
				ev.preventDefault();
				gotoNext(DOC);
			} else if (ev.key === "n" && !ev.ctrlKey && !ev.altKey && !ev.metaKey &&
				   ((t !== "INPUT" && t !== "TEXTAREA" && t !== "SELECT") || ev.target.readOnly)) {
				ev.preventDefault();
				gotoNext(DOC);
			}
		});

		api("GET", "/api/documents/" + encodeURIComponent(DOC)).then(function (d) {
			render(d);
			var first = null, i;
			for (i = 0; i < order.length && !first; i++)
				if (flaggedAtOpen[order[i]])
					first = rowsById[order[i]].input;
			if (first)
				first.focus();
			else {
				var seg = document.querySelector("textarea.segment-text");
				(seg || document.getElementById("accept")).focus();
			}
		}).catch(function (e) { message(e.message, true); });
	}

	document.addEventListener("DOMContentLoaded", function () {
		var page = document.body.getAttribute("data-page");
		if (page === "queue")
			queuePage();
		else if (page === "doc")
			docPage();
	});
})();

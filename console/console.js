/*
 * scimd admin console: a single page, hash routing, talking only to the
 * admin API (/admin/v1) with the admin token from sessionStorage as a
 * bearer header.  No framework, no build step.
 *
 * security: every value from the server (and so from SCIM clients:
 * userName, displayName, reasons) reaches the page through textContent,
 * attribute setters or createElement; no server text is ever parsed as
 * HTML.
 */
'use strict';

(() => {
	const API = '/admin/v1';
	const KEY = 'scimd.console.token';
	const PAGE_SIZE = 50;
	const FOLLOW_WAIT = 25;		/* seconds the server holds a poll */
	const MAX_ROWS = 500;		/* rows kept while following */
	const BUCKET_MS = 40 * 60 * 1000;
	const BUCKETS = 36;		/* 24 h */
	const ACTIONS = ['Create', 'Update', 'Disable', 'Enable', 'Delete',
	    'Other'];
	const STATUSES = ['Success', 'Failure', 'Skipped'];
	const SVG = 'http://www.w3.org/2000/svg';

	const state = {
		token: null,
		all: false,		/* all-tenant admin token */
		tenants: [],		/* [{id, name, created}] (all only) */
		page: null,
		log: {
			before: null,	/* the page shown: records < before */
			stack: [],	/* befores of the newer pages */
			next: null,	/* before of the older page */
			maxSeq: 0,	/* newest seq seen (follow) */
			gen: 0,		/* bumped to stop a follow loop */
			ctrl: null,	/* AbortController of the poll */
			loaded: false
		}
	};

	const $ = (id) => document.getElementById(id);

	/* el('td', {className: 'x', text: 'y'}, child...) */
	function el(tag, props, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(props || {})) {
			if (v === undefined || v === null)
				continue;
			if (k === 'text')
				e.textContent = String(v);
			else if (k === 'className')
				e.className = v;
			else if (k === 'dataset')
				Object.assign(e.dataset, v);
			else if (k.startsWith('on'))
				e.addEventListener(k.slice(2), v);
			else
				e.setAttribute(k, String(v));
		}
		for (const c of children)
			if (c !== null && c !== undefined)
				e.append(typeof c === 'string' ? document.createTextNode(c) : c);
		return e;
	}

	function svg(tag, attrs) {
		const e = document.createElementNS(SVG, tag);
		for (const [k, v] of Object.entries(attrs || {}))
			e.setAttribute(k, String(v));
		return e;
	}

	/* --- messages ------------------------------------------------------ */

	function banner(msg, kind) {
		const b = $('banner');
		b.textContent = msg;
		b.className = 'banner' + (kind === 'info' ? ' info' : '');
		b.hidden = false;
	}

	function unbanner() {
		$('banner').hidden = true;
		$('banner').textContent = '';
	}

	function fail(err) {
		if (err && err.name === 'AbortError')
			return;
		banner(err && err.message ? err.message : String(err));
	}

	/* --- the admin API --------------------------------------------------- */

	class ApiError extends Error {
		constructor(status, message) {
			super(message);
			this.status = status;
		}
	}

	async function api(method, path, opts = {}) {
		const url = new URL(API + path, location.origin);
		for (const [k, v] of Object.entries(opts.params || {}))
			if (v !== undefined && v !== null && v !== '')
				url.searchParams.set(k, String(v));
		const headers = { Authorization: 'Bearer ' + state.token };
		const init = {
			method,
			headers,
			cache: 'no-store',
			credentials: 'omit',
			referrerPolicy: 'no-referrer',
			signal: opts.signal
		};
		if (opts.body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(opts.body);
		}
		const res = await fetch(url, init);
		let data = null;
		if (res.status !== 204) {
			try {
				data = await res.json();
			} catch (e) {
				data = null;
			}
		}
		if (!res.ok) {
			const detail = data && typeof data.detail === 'string' ?
			    data.detail : res.statusText;
			if (res.status === 401 && !opts.probe) {
				signOut('Signed out: ' + detail);
			}
			throw new ApiError(res.status,
			    `${method} ${path}: ${res.status} ${detail}`);
		}
		return data;
	}

	/* --- formatting ------------------------------------------------------ */

	function fmtTime(iso) {
		if (!iso)
			return '';
		const d = new Date(iso);
		if (Number.isNaN(d.getTime()))
			return String(iso);
		return d.toLocaleString(undefined, {
			year: 'numeric', month: '2-digit', day: '2-digit',
			hour: '2-digit', minute: '2-digit', second: '2-digit'
		});
	}

	function fmtHM(ms) {
		return new Date(ms).toLocaleTimeString(undefined,
		    { hour: '2-digit', minute: '2-digit' });
	}

	function tenantName(id) {
		if (id === 0)
			return 'all tenants';
		const t = state.tenants.find((x) => x.id === id);
		return t ? t.name : (state.all ? '#' + id : '');
	}

	function badge(status) {
		const known = STATUSES.includes(status);
		return el('span', { className: 'badge' + (known ? ' ' + status : ''),
		    text: status || '' });
	}

	function stamp() {
		const d = new Date();
		const p = (n) => String(n).padStart(2, '0');
		return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-` +
		    `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
	}

	async function copyText(text, button) {
		let ok = false;
		if (navigator.clipboard && window.isSecureContext) {
			try {
				await navigator.clipboard.writeText(text);
				ok = true;
			} catch (e) {
				ok = false;
			}
		}
		if (!ok) {
			/* plain http off loopback: the old way */
			const ta = el('textarea', { className: 'offscreen',
			    readonly: '' });
			ta.value = text;
			document.body.append(ta);
			ta.select();
			try {
				ok = document.execCommand('copy');
			} catch (e) {
				ok = false;
			}
			ta.remove();
		}
		const was = button.dataset.label || button.textContent;
		button.dataset.label = was;
		button.textContent = ok ? 'Copied' : 'Copy failed: select it';
		setTimeout(() => { button.textContent = was; }, 2000);
	}

	/* A button that needs a second click within 4 s (no dialogs). */
	function armedButton(label, action) {
		const b = el('button', { type: 'button', className: 'danger',
		    text: label });
		let timer = null;
		b.addEventListener('click', async () => {
			if (!b.classList.contains('armed')) {
				b.classList.add('armed');
				b.textContent = 'Confirm ' + label.toLowerCase();
				timer = setTimeout(() => {
					b.classList.remove('armed');
					b.textContent = label;
				}, 4000);
				return;
			}
			clearTimeout(timer);
			b.disabled = true;
			try {
				await action();
			} catch (e) {
				fail(e);
				b.disabled = false;
				b.classList.remove('armed');
				b.textContent = label;
			}
		});
		return b;
	}

	/* --- session ----------------------------------------------------------- */

	/* Check the token; find out whether it is an all-tenant one. */
	async function probe(token) {
		state.token = token;
		await api('GET', '/tokens', { probe: true });
		try {
			const r = await api('GET', '/tenants', { probe: true });
			state.all = true;
			state.tenants = r.tenants || [];
		} catch (e) {
			if (e.status !== 403)
				throw e;
			state.all = false;
			state.tenants = [];
		}
	}

	function signOut(why) {
		stopFollow();
		state.token = null;
		state.all = false;
		state.tenants = [];
		sessionStorage.removeItem(KEY);
		document.body.classList.remove('single-tenant');
		$('nav').hidden = true;
		$('signout').hidden = true;
		$('whoami').textContent = '';
		for (const tb of document.querySelectorAll('tbody'))
			tb.replaceChildren();
		$('new-token').textContent = '';
		$('new-token-box').hidden = true;
		state.log.loaded = false;
		if (location.hash !== '#/signin')
			location.hash = '#/signin';
		else
			route();
		if (why)
			banner(why);
	}

	async function signIn(ev) {
		ev.preventDefault();
		const tok = $('signin-token').value.trim();
		if (!tok)
			return;
		$('signin-submit').disabled = true;
		try {
			await probe(tok);
			sessionStorage.setItem(KEY, tok);
			$('signin-token').value = '';
			unbanner();
			signedIn();
			location.hash = '#/integration';
		} catch (e) {
			state.token = null;
			banner(e.status === 401 ? 'Sign-in failed: the token is ' +
			    'invalid or expired.' : e.status === 403 ?
			    'Sign-in failed: this is not an admin token.' :
			    e.message);
		} finally {
			$('signin-submit').disabled = false;
		}
	}

	function signedIn() {
		$('nav').hidden = false;
		$('signout').hidden = false;
		$('nav-tenants').hidden = !state.all;
		document.body.classList.toggle('single-tenant', !state.all);
		$('whoami').textContent = state.all ? 'admin, all tenants' :
		    'admin, one tenant';
		for (const id of ['token-tenant-label', 'f-tenant-label',
		    's-tenant-label'])
			$(id).hidden = !state.all;
		fillTenantSelects();
	}

	function fillTenantSelects() {
		const fill = (sel, anyLabel) => {
			const was = sel.value;
			sel.replaceChildren();
			if (anyLabel)
				sel.append(el('option', { value: '', text: anyLabel }));
			for (const t of state.tenants)
				sel.append(el('option', { value: t.name, text: t.name }));
			if ([...sel.options].some((o) => o.value === was))
				sel.value = was;
		};
		fill($('token-tenant'), null);
		fill($('f-tenant'), 'All tenants');
		fill($('s-tenant'), 'All tenants');
	}

	async function reloadTenants() {
		if (!state.all)
			return;
		const r = await api('GET', '/tenants');
		state.tenants = r.tenants || [];
		fillTenantSelects();
	}

	/* --- routing ------------------------------------------------------------ */

	const pages = {
		signin: { show: () => $('signin-token').focus() },
		integration: { show: showIntegration, hide: hideIntegration },
		log: { show: showLog, hide: stopFollow },
		record: { show: showRecord },
		summary: { show: showSummary },
		webhooks: { show: showWebhooks },
		tenants: { show: showTenants }
	};

	function route() {
		const h = location.hash.replace(/^#\/?/, '');
		const [name, ...rest] = h.split('/');
		let page = name || 'integration';
		let arg = rest.join('/');
		if (page === 'log' && arg) {
			page = 'record';
		}
		if (!pages[page])
			page = 'integration';
		if (!state.token)
			page = 'signin';
		else if (page === 'signin' || (page === 'tenants' && !state.all))
			page = 'integration';
		if (state.page && state.page !== page && pages[state.page].hide)
			pages[state.page].hide();
		if (state.page !== page)
			unbanner();
		state.page = page;
		for (const s of document.querySelectorAll('section.page'))
			s.hidden = s.id !== 'page-' + page;
		for (const a of document.querySelectorAll('#nav a'))
			a.classList.toggle('active', a.dataset.page ===
			    (page === 'record' ? 'log' : page));
		try {
			arg = decodeURIComponent(arg);
		} catch (e) {
			arg = '';
		}
		Promise.resolve(pages[page].show(arg)).catch(fail);
	}

	/* --- Integration ------------------------------------------------------ */

	async function showIntegration() {
		$('tenant-url').value = location.origin + '/scim/v2';
		$('oauth-url').value = location.origin + '/oauth2/token';
		if (!$('token-name').value)
			$('token-name').value = 'entra-' + stamp();
		await loadTokens();
	}

	function hideIntegration() {
		/* the secret is shown once: not again on coming back */
		$('new-token').textContent = '';
		$('new-token-box').hidden = true;
	}

	async function loadTokens() {
		const r = await api('GET', '/tokens');
		const tb = $('tokens-table').tBodies[0];
		const rows = (r.tokens || []).map((t) => {
			const q = state.all && t.tenant !== 0 ?
			    { tenant: tenantName(t.tenant) } : {};
			return el('tr', { dataset: { token: t.name } },
			    el('td', { text: t.name }),
			    el('td', { text: t.kind }),
			    el('td', { className: 'col-tenant',
				text: tenantName(t.tenant) }),
			    el('td', { text: fmtTime(t.created), title: t.created }),
			    el('td', { text: t.lastUsed ? fmtTime(t.lastUsed) :
				'never', title: t.lastUsed }),
			    el('td', { text: t.expires ? fmtTime(t.expires) : '—',
				title: t.expires }),
			    el('td', {}, armedButton('Revoke', async () => {
				await api('DELETE', '/tokens/' +
				    encodeURIComponent(t.name), { params: q });
				banner(`Token “${t.name}” revoked.`, 'info');
				await loadTokens();
			    })));
		});
		tb.replaceChildren(...rows);
		$('tokens-empty').hidden = rows.length > 0;
	}

	async function generateToken(ev) {
		ev.preventDefault();
		const body = { name: $('token-name').value.trim() };
		if (state.all) {
			body.tenant = $('token-tenant').value;
			if (!body.tenant) {
				banner('Create a tenant first (Tenants page).');
				return;
			}
		}
		const days = $('token-days').value.trim();
		if (days)
			body.expiresDays = Number(days);
		$('token-generate').disabled = true;
		try {
			const r = await api('POST', '/tokens', { body });
			unbanner();
			$('new-token').textContent = r.token;
			$('new-token-note').textContent = `Token “${r.name}”` +
			    (state.all ? ` for tenant ${tenantName(r.tenant)}` : '') +
			    '. scimd keeps only its hash.';
			$('new-token-box').hidden = false;
			$('token-name').value = 'entra-' + stamp();
			$('token-days').value = '';
			await loadTokens();
		} catch (e) {
			fail(e);
		} finally {
			$('token-generate').disabled = false;
		}
	}

	/* --- Provisioning log ---------------------------------------------- */

	function localToIso(v) {
		if (!v)
			return '';
		const d = new Date(v);
		return Number.isNaN(d.getTime()) ? '' : d.toISOString();
	}

	function logFilters() {
		const p = {};
		const range = $('f-range').value;
		if (range === 'custom') {
			p.since = localToIso($('f-since').value);
			p.until = localToIso($('f-until').value);
		} else if (range) {
			p.since = range;
		}
		p.action = $('f-action').value;
		p.status = $('f-status').value;
		p.target = $('f-target').value.trim();
		if (state.all)
			p.tenant = $('f-tenant').value;
		return p;
	}

	function recordRow(r, fresh) {
		const t = r.target || {};
		const ident = el('td', { className: 'ident' },
		    t.name || t.id || '—',
		    r.resourceType ? el('small', { text: r.resourceType }) : null);
		if (r.status === 'Failure' && r.reason)
			ident.title = r.reason;
		const tr = el('tr', {
			tabindex: 0,
			className: fresh ? 'fresh' : '',
			dataset: { changeId: r.changeId, seq: r.seq },
			onclick: () => openRecord(r.changeId),
			onkeydown: (e) => {
				if (e.key === 'Enter')
					openRecord(r.changeId);
			}
		    },
		    el('td', { text: fmtTime(r.time), title: r.time }),
		    el('td', { text: r.action }),
		    el('td', {}, badge(r.status)),
		    ident,
		    el('td', { text: r.initiator }),
		    el('td', { className: 'col-tenant', text: r.tenantName }));
		return tr;
	}

	function openRecord(changeId) {
		location.hash = '#/log/' + encodeURIComponent(changeId);
	}

	async function loadLog(before) {
		const lg = state.log;
		const p = logFilters();
		p.limit = PAGE_SIZE;
		p.before = before;
		$('log-state').textContent = 'Loading…';
		const r = await api('GET', '/audit', { params: p });
		const recs = r.records || [];
		lg.before = before;
		lg.next = r.next;
		if (!before)
			lg.maxSeq = recs.reduce((m, x) => Math.max(m, x.seq || 0), 0);
		$('log-table').tBodies[0].replaceChildren(...recs.map((x) =>
		    recordRow(x, false)));
		$('log-empty').hidden = recs.length > 0;
		$('log-older').disabled = r.next === null || r.next === undefined;
		$('log-newer').disabled = lg.stack.length === 0;
		lg.loaded = true;
		logStateText();
	}

	function logStateText() {
		const lg = state.log;
		const n = $('log-table').tBodies[0].rows.length;
		let s = `${n} record${n === 1 ? '' : 's'}`;
		if (lg.stack.length > 0)
			s += `, page ${lg.stack.length + 1}`;
		if (lg.ctrl)
			s += ' · following new records';
		$('log-state').textContent = s;
	}

	async function showLog() {
		if (!state.log.loaded)
			await loadLog(null);
		else
			await loadLog(state.log.before);
		if ($('log-follow').checked)
			startFollow();
	}

	async function applyFilters(ev) {
		if (ev)
			ev.preventDefault();
		stopFollow();
		state.log.stack = [];
		try {
			await loadLog(null);
			if ($('log-follow').checked)
				startFollow();
		} catch (e) {
			fail(e);
		}
	}

	function stopFollow() {
		const lg = state.log;
		lg.gen++;
		if (lg.ctrl) {
			lg.ctrl.abort();
			lg.ctrl = null;
		}
		if (state.page === 'log')
			logStateText();
	}

	function startFollow() {
		stopFollow();
		if (state.log.stack.length > 0) {
			/* following shows the newest: go to the first page */
			state.log.stack = [];
			loadLog(null).then(startFollow, fail);
			return;
		}
		follow(state.log.gen).catch(fail);
	}

	const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

	async function follow(gen) {
		const lg = state.log;
		while (gen === lg.gen && state.token) {
			const p = logFilters();
			delete p.until;
			p.wait = FOLLOW_WAIT;
			p.limit = 100;
			if (lg.maxSeq > 0)
				p.after = lg.maxSeq;
			else
				p.order = 'asc';	/* empty so far: from the start */
			lg.ctrl = new AbortController();
			logStateText();
			let r;
			try {
				r = await api('GET', '/audit', { params: p,
				    signal: lg.ctrl.signal });
			} catch (e) {
				if (e.name === 'AbortError' || gen !== lg.gen)
					return;
				fail(e);
				await sleep(5000);
				continue;
			}
			if (gen !== lg.gen)
				return;
			const tb = $('log-table').tBodies[0];
			for (const rec of r.records || []) {
				if (rec.seq <= lg.maxSeq)
					continue;
				lg.maxSeq = rec.seq;
				tb.prepend(recordRow(rec, true));
			}
			while (tb.rows.length > MAX_ROWS)
				tb.deleteRow(-1);
			$('log-empty').hidden = tb.rows.length > 0;
			logStateText();
		}
	}

	function older() {
		const lg = state.log;
		if (lg.next === null || lg.next === undefined)
			return;
		$('log-follow').checked = false;
		stopFollow();
		lg.stack.push(lg.before);
		loadLog(lg.next).catch(fail);
	}

	function newer() {
		const lg = state.log;
		if (lg.stack.length === 0)
			return;
		const b = lg.stack.pop();
		loadLog(b).catch(fail);
	}

	/* --- one record ------------------------------------------------------- */

	function valueCell(v) {
		if (v === null || v === undefined)
			return el('td', { className: 'val muted', text: '(none)' });
		return el('td', { className: 'val',
		    text: typeof v === 'string' ? v : JSON.stringify(v) });
	}

	async function showRecord(changeId) {
		$('record-fields').replaceChildren();
		$('record-props').tBodies[0].replaceChildren();
		$('record-raw').textContent = '';
		$('record-title').textContent = 'Record';
		if (!changeId)
			return;
		const r = await api('GET', '/audit/' + encodeURIComponent(changeId));
		const t = r.target || {};
		$('record-title').textContent = `${r.action} ${r.resourceType || ''} ` +
		    (t.name || t.id || '');
		const dl = $('record-fields');
		const add = (k, v, node) => {
			if ((v === undefined || v === null || v === '') && !node)
				return;
			dl.append(el('dt', { text: k }),
			    node ? el('dd', {}, node) : el('dd', { text: v }));
		};
		add('Time', fmtTime(r.time) + '  (' + r.time + ')');
		add('Action', r.action);
		add('Status', null, badge(r.status));
		add('HTTP status', r.httpStatus);
		add('SCIM type', r.scimType);
		add('Reason', r.reason);
		add('Resource type', r.resourceType);
		add('Identity', t.name);
		add('Resource id', t.id);
		add('External id', r.source && r.source.externalId);
		add('Initiator', r.initiator);
		add('Tenant', r.tenantName);
		add('Request', r.method || r.path ? `${r.method || ''} ${r.path || ''}` :
		    null);
		add('Duration', r.durationMs !== undefined ? r.durationMs + ' ms' : null);
		add('Change id', r.changeId);
		const props = r.modifiedProperties || [];
		$('record-props').tBodies[0].replaceChildren(...props.map((m) =>
		    el('tr', {},
			el('td', { text: m.name }),
			valueCell(m.oldValue),
			el('td', { className: 'arrow', text: '→' }),
			valueCell(m.newValue))));
		$('record-props').hidden = props.length === 0;
		$('record-noprops').hidden = props.length > 0;
		$('record-raw').textContent = JSON.stringify(r, null, 2);
	}

	/* --- Summary ------------------------------------------------------------- */

	async function showSummary() {
		const tenant = state.all ? $('s-tenant').value : '';
		const [s, c] = await Promise.all([
			api('GET', '/audit/summary', { params: {
			    since: $('s-window').value, tenant } }),
			api('GET', '/audit/summary', { params: {
			    since: new Date(chartStart()).toISOString(),
			    interval: '40m', tenant } })
		]);
		const by = s.byAction || {};
		$('summary-actions').tBodies[0].replaceChildren(...ACTIONS.map((a) =>
		    el('tr', {},
			el('td', { text: a }),
			el('td', { className: 'num', text: (s.actions || {})[a] || 0 }),
			...STATUSES.map((st) => el('td', { className: 'num',
			    text: (by[a] || {})[st] || 0 })))));
		$('summary-statuses').tBodies[0].replaceChildren(...STATUSES.map((st) =>
		    el('tr', {},
			el('td', {}, badge(st)),
			el('td', { className: 'num',
			    text: (s.statuses || {})[st] || 0 }))));
		const n = s.total || 0;
		$('summary-total').textContent = `${n} record${n === 1 ? '' : 's'}` +
		    ` since ${fmtTime(s.since)}`;
		drawChart(c.buckets || []);
	}

	/* 36 intervals of 40 minutes, the last one the current. */
	function chartStart() {
		const now = Date.now();
		return Math.floor(now / BUCKET_MS) * BUCKET_MS -
		    (BUCKETS - 1) * BUCKET_MS;
	}

	function drawChart(buckets) {
		const W = 760, H = 220, L = 36, B = 28, T = 10;
		const n = Math.max(buckets.length, 1);
		const bw = (W - L) / n;
		const max = Math.max(1, ...buckets.map((b) => b.total || 0));
		const scale = (H - B - T) / max;
		const root = svg('svg', { viewBox: `0 0 ${W} ${H}`,
		    role: 'img', 'aria-label': 'records per 40 minutes' });
		const title = svg('title');
		const failing = buckets.filter((b) => b.failures > 0).length;
		title.textContent = `Records per 40 minutes over the last 24 hours; ` +
		    `${failing} interval(s) with failures`;
		root.append(title);
		root.append(svg('line', { class: 'axis', x1: L, y1: H - B,
		    x2: W, y2: H - B }));
		const ymax = svg('text', { x: L - 4, y: T + 8, 'text-anchor': 'end' });
		ymax.textContent = String(max);
		const y0 = svg('text', { x: L - 4, y: H - B, 'text-anchor': 'end' });
		y0.textContent = '0';
		root.append(ymax, y0);
		buckets.forEach((b, i) => {
			const x = L + i * bw;
			const g = svg('g', { class: 'col' + (b.failures > 0 ?
			    ' has-failures' : '') });
			const start = Date.parse(b.start);
			const tt = svg('title');
			tt.textContent = `${fmtHM(start)}–${fmtHM(start + BUCKET_MS)}: ` +
			    `${b.total} record(s), ${b.failures} failure(s), ` +
			    `${b.skipped} skipped`;
			g.append(tt);
			g.append(svg('rect', { class: 'hit', x, y: T, width: bw,
			    height: H - B - T }));
			let y = H - B;
			const seg = (count, cls) => {
				if (!count)
					return;
				const h = Math.max(count * scale, 1);
				y -= h;
				g.append(svg('rect', { class: cls, x: x + 1, y,
				    width: Math.max(bw - 2, 1), height: h }));
			};
			seg(b.total - b.failures - b.skipped, 'bar-ok');
			seg(b.skipped, 'bar-skip');
			seg(b.failures, 'bar-fail');
			if (!b.total)
				g.append(svg('rect', { class: 'bar-empty', x: x + 1,
				    y: H - B - 1, width: Math.max(bw - 2, 1),
				    height: 1 }));
			if (b.failures > 0) {
				/* a red mark under the axis: failures at a glance */
				g.append(svg('rect', { class: 'bar-fail', x: x + 1,
				    y: H - B + 3, width: Math.max(bw - 2, 1),
				    height: 4 }));
			}
			if (i % 6 === 0) {
				const lab = svg('text', { x, y: H - 6 });
				lab.textContent = fmtHM(start);
				g.append(lab);
			}
			root.append(g);
		});
		$('chart').replaceChildren(root);
	}

	/* --- Tenants --------------------------------------------------------------- */

	async function showTenants() {
		await reloadTenants();
		$('tenants-table').tBodies[0].replaceChildren(...state.tenants.map(
		    (t) => el('tr', { dataset: { tenant: t.name } },
			el('td', { className: 'num', text: t.id }),
			el('td', { text: t.name }),
			el('td', { text: fmtTime(t.created), title: t.created }),
			el('td', {}, armedButton('Delete', async () => {
				await api('DELETE', '/tenants/' +
				    encodeURIComponent(t.name));
				banner(`Tenant “${t.name}” deleted.`, 'info');
				await showTenants();
			})))));
	}

	async function createTenant(ev) {
		ev.preventDefault();
		const name = $('tenant-name').value.trim();
		try {
			await api('POST', '/tenants', { body: { name } });
			$('tenant-name').value = '';
			banner(`Tenant “${name}” created.`, 'info');
			await showTenants();
		} catch (e) {
			fail(e);
		}
	}

	/* --- Webhooks -------------------------------------------------------------- */

	/* every tenant's endpoints for an all-tenant token, else its own */
	async function loadWebhooks() {
		if (!state.all)
			return (await api('GET', '/webhooks')).webhooks || [];
		await reloadTenants();
		const lists = await Promise.all(state.tenants.map((t) =>
		    api('GET', '/webhooks', { params: { tenant: t.name } })));
		return lists.flatMap((r) => r.webhooks || []);
	}

	async function showAttempts(w) {
		const r = await api('GET', '/webhooks/' + encodeURIComponent(w.name) +
		    '/attempts', { params: { tenant: state.all ? w.tenant : '' } });
		$('attempts-title').textContent = `Recent attempts: ${w.name}`;
		$('attempts-title').hidden = false;
		$('attempts-table').hidden = false;
		$('attempts-table').tBodies[0].replaceChildren(...(r.attempts ||
		    []).map((a) => el('tr', {},
			el('td', { text: fmtTime(a.time), title: a.time }),
			el('td', { className: 'num', text: a.seq }),
			el('td', { text: a.eventId }),
			el('td', { className: 'num', text: a.status || '-' }),
			el('td', { className: 'num', text: a.latencyMs + ' ms' }),
			el('td', { text: a.error || '' }))));
	}

	async function showWebhooks() {
		const list = await loadWebhooks();
		const ms = (t) => t ? fmtTime(new Date(t).toISOString()) : 'never';
		$('webhooks-table').tBodies[0].replaceChildren(...list.map((w) =>
		    el('tr', { dataset: { webhook: w.name } },
			el('td', { text: w.name }),
			el('td', { text: w.tenant }),
			el('td', { text: w.state }),
			el('td', { className: 'num', text: w.waiting }),
			el('td', { className: 'num',
			    text: (w.lagMs / 1000).toFixed(1) + ' s' }),
			el('td', { text: ms(w.lastSuccess) }),
			el('td', { text: w.lastError ? ms(w.lastErrorAt) + ': ' +
			    w.lastError : '' }),
			el('td', { text: w.url }),
			el('td', {},
			    el('button', { type: 'button', text: 'Attempts',
				onclick: () => showAttempts(w).catch(fail) }),
			    el('button', { type: 'button', text: 'Retry now',
				onclick: () => api('POST', '/webhooks/' +
				    encodeURIComponent(w.name) + '/retry',
				    { params: { tenant: state.all ? w.tenant :
				    '' } }).then(() => banner(
				    `Retrying “${w.name}” now.`, 'info'))
				    .catch(fail) })))));
	}

	/* --- start ------------------------------------------------------------------ */

	function wire() {
		$('signin-form').addEventListener('submit', signIn);
		$('signout').addEventListener('click', () => signOut(null));
		$('copy-url').addEventListener('click', (e) =>
		    copyText($('tenant-url').value, e.currentTarget));
		$('copy-oauth').addEventListener('click', (e) =>
		    copyText($('oauth-url').value, e.currentTarget));
		$('copy-token').addEventListener('click', (e) =>
		    copyText($('new-token').textContent, e.currentTarget));
		$('token-form').addEventListener('submit', generateToken);
		$('log-filters').addEventListener('submit', applyFilters);
		$('f-range').addEventListener('change', () => {
			const custom = $('f-range').value === 'custom';
			$('f-since-label').hidden = !custom;
			$('f-until-label').hidden = !custom;
		});
		$('log-follow').addEventListener('change', () => {
			if ($('log-follow').checked)
				startFollow();
			else
				stopFollow();
		});
		$('log-older').addEventListener('click', older);
		$('log-newer').addEventListener('click', newer);
		$('summary-form').addEventListener('submit', (ev) => {
			ev.preventDefault();
			showSummary().catch(fail);
		});
		$('s-window').addEventListener('change', () =>
		    showSummary().catch(fail));
		$('tenant-form').addEventListener('submit', createTenant);
		window.addEventListener('hashchange', route);
	}

	async function start() {
		wire();
		const tok = sessionStorage.getItem(KEY);
		if (tok) {
			try {
				await probe(tok);
				signedIn();
			} catch (e) {
				state.token = null;
				sessionStorage.removeItem(KEY);
				if (e.status !== 401)
					banner(e.message);
			}
		}
		route();
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', start);
	else
		start();
})();

// console.mjs: drive the admin console in headless Chromium (playwright-core,
// Debian's chromium via executablePath).  Run by
// tests/integration/console_e2e.sh, which starts scimd and reads the lines
// printed here: "ok - DESC", "not ok - DESC", "# diagnostics".
//
// Environment: CONSOLE_URL (http://127.0.0.1:PORT/admin/), SCIM_BASE,
// ADMIN_TOKEN (tenant admin), ROOT_TOKEN (all-tenant admin), CHROMIUM,
// PLAYWRIGHT_DIR (a folder with node_modules/playwright-core), OUT_DIR
// (screenshots), PROFILE_DIR (a fresh --user-data-dir).
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = process.env;
const require = createRequire(join(env.PLAYWRIGHT_DIR, 'resolve.js'));
const { chromium } = require('playwright-core');

const XSS = '<script>alert(1)</script>';
const USERNAME = `e2e ${XSS}`;
const DISPLAY = '<img src=x onerror=alert(2)>';
const TITLE = 'scimd console';
const WAIT = 10000;

let failures = 0;
function ok(cond, desc, diag) {
	console.log(`${cond ? 'ok' : 'not ok'} - ${desc}`);
	if (!cond) {
		failures++;
		if (diag !== undefined)
			console.log(String(diag).split('\n').map((l) => '# ' + l).join('\n'));
	}
	return cond;
}

// scim METHOD PATH TOKEN [BODY]: curl, as an Entra stand-in; {status, body}
function scim(method, path, token, body) {
	const args = ['-sS', '--max-time', '10', '-X', method, '-w', '\n%{http_code}',
	    '-H', `Authorization: Bearer ${token}`];
	if (body !== undefined)
		args.push('-H', 'Content-Type: application/scim+json',
		    '--data-binary', JSON.stringify(body));
	args.push(env.SCIM_BASE + path);
	const out = execFileSync('curl', args, { encoding: 'utf8' });
	const nl = out.lastIndexOf('\n');
	return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl) };
}

mkdirSync(env.OUT_DIR, { recursive: true });
const shot = (page, name) => page.screenshot({ path: join(env.OUT_DIR, name),
    fullPage: true });

const context = await chromium.launchPersistentContext(env.PROFILE_DIR, {
	executablePath: env.CHROMIUM,
	headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu',
	    '--disable-background-networking', '--disable-component-update',
	    '--disable-sync', '--no-first-run'],
	viewport: { width: 1280, height: 860 },
	timeout: 30000
});
context.setDefaultTimeout(WAIT);

const dialogs = [];
const problems = [];	// CSP violations, script errors
const page = context.pages()[0] || await context.newPage();
page.on('dialog', (d) => {
	dialogs.push(d.message());
	d.dismiss().catch(() => {});
});
page.on('pageerror', (e) => problems.push('page error: ' + e.message));
page.on('console', (m) => {
	if (m.type() === 'error' && !/status of 40[134]/.test(m.text()))
		problems.push('console: ' + m.text());
});

const visible = (id) => page.locator('#' + id).waitFor({ state: 'visible' });

try {
	// --- sign in ------------------------------------------------------------
	const res = await page.goto(env.CONSOLE_URL);
	ok(res.status() === 200, 'the console loads');
	ok(/default-src 'none'/.test(res.headers()['content-security-policy'] || ''),
	    'with its CSP');
	await visible('page-signin');
	ok(await page.title() === TITLE, 'sign-in page shown');
	await shot(page, '1-signin.png');

	await page.fill('#signin-token', 'not-a-token');
	await page.click('#signin-submit');
	await page.locator('#banner').waitFor({ state: 'visible' });
	ok(/invalid or expired/.test(await page.textContent('#banner')),
	    'a wrong token is refused');

	await page.fill('#signin-token', env.ADMIN_TOKEN);
	await page.click('#signin-submit');
	await visible('page-integration');
	ok(true, 'signed in with the admin token from scimctl');
	ok(await page.evaluate(() => document.cookie === ''), 'no cookie set');
	ok(await page.evaluate(() => Object.values(sessionStorage).length === 1),
	    'the token is in sessionStorage');
	ok(await page.locator('#nav-tenants').isHidden(),
	    'a tenant admin sees no Tenants page');

	// --- Integration: generate a token ------------------------------------
	const origin = new URL(env.CONSOLE_URL).origin;
	ok(await page.inputValue('#tenant-url') === origin + '/scim/v2',
	    'tenant URL is origin + /scim/v2');
	await page.fill('#token-name', 'e2e-entra');
	await page.click('#token-generate');
	await visible('new-token-box');
	const secret = (await page.textContent('#new-token')).trim();
	ok(secret.length >= 20, 'Generate token shows the secret');
	await page.locator('#tokens-table tr[data-token="e2e-entra"]').waitFor();
	ok(true, 'the new token is listed');
	await page.click('#copy-token');
	await shot(page, '2-integration.png');

	// --- Provisioning log: follow, a SCIM create appears ------------------
	await page.click('nav a[data-page="log"]');
	await visible('page-log');
	await page.check('#log-follow');
	await page.waitForFunction(() =>
	    /following/.test(document.getElementById('log-state').textContent));
	const created = scim('POST', '/Users', secret, {
		schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
		userName: USERNAME, displayName: DISPLAY
	});
	ok(created.status === 201, 'curl creates a user with the UI token',
	    created.body);
	const row = page.locator('#log-table tbody tr', { hasText: XSS });
	await row.first().waitFor();
	ok(true, 'the Create record appears while following');
	const cells = await row.first().locator('td').allTextContents();
	ok(cells[1] === 'Create' && cells[2] === 'Success' &&
	    cells[4] === 'e2e-entra', 'row: Create, Success, initiator',
	    JSON.stringify(cells));
	ok(cells[3].includes(USERNAME), 'row: the identity as text', cells[3]);
	const dup = scim('POST', '/Users', secret, {
		schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
		userName: USERNAME
	});
	ok(dup.status === 409, 'a duplicate create fails (409)', dup.body);
	await page.locator('#log-table tbody tr', { hasText: 'Failure' }).waitFor();
	ok(await page.locator('#log-table tbody tr').count() === 2,
	    'the failure arrives too, newest first');
	await shot(page, '3-log.png');

	// filters: status Failure only
	await page.uncheck('#log-follow');
	await page.selectOption('#f-status', 'Failure');
	await page.click('#log-apply');
	await page.waitForFunction(() =>
	    document.querySelectorAll('#log-table tbody tr').length === 1);
	ok(/Failure/.test(await page.textContent('#log-table tbody tr')),
	    'status filter: only the failure');
	await page.selectOption('#f-status', '');
	await page.click('#log-apply');
	await page.waitForFunction(() =>
	    document.querySelectorAll('#log-table tbody tr').length === 2);

	// --- open it ------------------------------------------------------------
	await row.filter({ hasText: 'Success' }).first().click();
	await visible('page-record');
	await page.locator('#record-fields dd', { hasText: XSS }).first().waitFor();
	const dom = await page.evaluate(() => ({
		title: document.title,
		scripts: document.scripts.length,
		imgs: document.images.length,
		text: document.getElementById('page-record').textContent,
		props: [...document.querySelectorAll('#record-props tbody tr')]
		    .map((tr) => [...tr.cells].map((c) => c.textContent))
	}));
	ok(dom.text.includes(USERNAME), 'detail shows the <script> userName literally');
	ok(dom.title === TITLE && dialogs.length === 0,
	    'no script ran (title unchanged, no dialog)',
	    `title ${dom.title}, dialogs ${JSON.stringify(dialogs)}`);
	ok(dom.scripts === 1 && dom.imgs === 0,
	    'no element was made from the data', `scripts ${dom.scripts}, imgs ${dom.imgs}`);
	const un = dom.props.find((p) => p[0] === 'userName');
	ok(un && un[1] === '(none)' && un[3] === USERNAME,
	    'modified properties: userName (none) → value', JSON.stringify(dom.props));
	const dn = dom.props.find((p) => p[0] === 'displayName');
	ok(dn && dn[3] === DISPLAY, 'modified properties: displayName as text');
	await shot(page, '4-record.png');

	// --- Summary ------------------------------------------------------------
	await page.click('nav a[data-page="summary"]');
	await visible('page-summary');
	await page.locator('#chart svg').waitFor();
	const sum = await page.evaluate(() => ({
		cols: document.querySelectorAll('#chart svg g.col').length,
		bars: document.querySelectorAll('#chart svg rect.bar-ok').length,
		failed: document.querySelectorAll('#chart svg g.has-failures').length,
		create: [...document.querySelectorAll('#summary-actions tbody tr')]
		    .map((tr) => [...tr.cells].map((c) => c.textContent))
		    .find((r) => r[0] === 'Create')
	}));
	ok(sum.cols === 36, '36 bars of 40 minutes', sum.cols);
	ok(sum.bars >= 1, 'the new record is in a bar');
	ok(sum.failed >= 1, 'the interval with the failure is highlighted');
	ok(sum.create && sum.create.slice(1, 4).join() === '2,1,1',
	    'Summary counts the Create', JSON.stringify(sum.create));
	await shot(page, '5-summary.png');

	// --- Webhooks: an endpoint that refuses, its attempts, retry now ---------
	await page.click('nav a[data-page="webhooks"]');
	await visible('page-webhooks');
	const wh = page.locator('#webhooks-table tr[data-webhook="e2e-hook"]');
	await wh.waitFor();
	const whCells = await wh.locator('td').allTextContents();
	ok(whCells[2] === 'active' && Number(whCells[3]) >= 1,
	    'the endpoint is listed, events waiting', JSON.stringify(whCells));
	const attempts = () => page.evaluate(() =>
	    [...document.querySelectorAll('#attempts-table tbody tr')]
	    .map((tr) => [...tr.cells].map((c) => c.textContent)));
	// the events of the creates above are tried (and refused) meanwhile
	let att = [];
	for (let i = 0; i < 40 && att.length === 0; i++) {
		await wh.locator('button', { hasText: 'Attempts' }).click();
		await page.locator('#attempts-table').waitFor({ state: 'visible' });
		att = await attempts();
		if (att.length === 0)
			await page.waitForTimeout(250);
	}
	ok(att.length >= 1 && att[0][3] === '-' && att[0][5] !== '',
	    'recent attempts: no answer, the error named', JSON.stringify(att));
	// wait until the backoff is longer than this test waits, then retry now
	for (let i = 0; i < 60; i++) {
		await page.waitForTimeout(250);
		await wh.locator('button', { hasText: 'Attempts' }).click();
		att = await attempts();
		if (att.length >= 4)
			break;
	}
	const before = att.length;
	const t0 = Date.now();
	await wh.locator('button', { hasText: 'Retry now' }).click();
	await page.locator('#banner', { hasText: 'Retrying' }).waitFor();
	ok(true, 'Retry now is acknowledged');
	let more = false;
	while (!more && Date.now() - t0 < 3000) {
		await page.waitForTimeout(200);
		await wh.locator('button', { hasText: 'Attempts' }).click();
		more = (await attempts()).length > before;
	}
	ok(more, 'retry now: a new attempt at once, backoff or not',
	    `${before} attempts before`);
	await shot(page, '7-webhooks.png');

	// --- revoke ----------------------------------------------------------------
	await page.click('nav a[data-page="integration"]');
	await visible('page-integration');
	ok(await page.textContent('#new-token') === '',
	    'the secret is not shown again');
	const revoke = page.locator('#tokens-table tr[data-token="e2e-entra"] button');
	await revoke.click();
	await revoke.click();	// confirm
	await page.locator('#tokens-table tr[data-token="e2e-entra"]')
	    .waitFor({ state: 'detached' });
	ok(true, 'token revoked in the UI');
	const after = scim('GET', '/Users', secret);
	ok(after.status === 401, 'SCIM with the revoked token: 401', after.status);

	// --- Tenants (all-tenant admin) --------------------------------------------
	await page.click('#signout');
	await visible('page-signin');
	ok(await page.evaluate(() => sessionStorage.length === 0),
	    'sign-out clears the session');
	await page.fill('#signin-token', env.ROOT_TOKEN);
	await page.click('#signin-submit');
	await visible('page-integration');
	await page.click('nav a[data-page="tenants"]');
	await visible('page-tenants');
	await page.fill('#tenant-name', 'e2e-acme');
	await page.click('#tenant-create');
	await page.locator('#tenants-table tr[data-tenant="e2e-acme"]').waitFor();
	ok(true, 'all-tenant admin creates a tenant');
	await shot(page, '6-tenants.png');
	const del = page.locator('#tenants-table tr[data-tenant="e2e-acme"] button');
	await del.click();
	await del.click();
	await page.locator('#tenants-table tr[data-tenant="e2e-acme"]')
	    .waitFor({ state: 'detached' });
	ok(true, 'and deletes it');

	ok(dialogs.length === 0, 'no dialog was ever opened', dialogs.join('\n'));
	ok(problems.length === 0, 'no CSP violation or script error',
	    problems.join('\n'));
} catch (e) {
	ok(false, 'the browser run completed', e.stack || e);
	await shot(page, 'failure.png').catch(() => {});
} finally {
	await context.close();
}
process.exit(failures > 0 ? 1 : 0);

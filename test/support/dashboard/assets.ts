/** The dashboard-like app's page and script: hash routes, an XHR, a WebSocket, like the Kubernetes Dashboard. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo dashboard</title><link rel="stylesheet" href="/app.css"></head>
<body>
<header><h1>Demo dashboard</h1><p>A stand-in for the Kubernetes Dashboard behind authgate.</p></header>
<main>
<section aria-labelledby="who"><h2 id="who">Who the apiserver sees</h2><pre id="me">loading…</pre></section>
<section aria-labelledby="route"><h2 id="route">Route (the part after #)</h2><p id="hash"></p>
<nav><a href="#/workloads?namespace=default">#/workloads?namespace=default</a> ·
<a href="#/pod/kube-system/coredns?tab=logs">#/pod/kube-system/coredns?tab=logs</a></nav></section>
<section aria-labelledby="live"><h2 id="live">Live connection (WebSocket, like exec shell)</h2><pre id="ws">connecting…</pre></section>
<p><a href="/oauth2/sign_out">Sign out</a></p>
</main>
<script src="/app.js"></script>
</body></html>
`;

export const DASHBOARD_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:50rem;padding:0 1rem}
pre{background:#f3f4f6;padding:1rem;border-radius:6px;white-space:pre-wrap;word-break:break-all}`;

export const DASHBOARD_JS = `(function () {
  function show(id, text) { document.getElementById(id).textContent = text; }
  function route() { show('hash', location.hash || '(none)'); }
  window.addEventListener('hashchange', route);
  route();
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/api/v1/me');
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.onload = function () { window.__me = { status: xhr.status, body: xhr.responseText }; show('me', xhr.status + ' ' + xhr.responseText); };
  xhr.send();
  var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/sockjs/ws');
  ws.onmessage = function (e) { window.__ws = e.data; show('ws', e.data); };
  ws.onerror = function () { window.__ws = 'error'; show('ws', 'WebSocket refused'); };
})();
`;

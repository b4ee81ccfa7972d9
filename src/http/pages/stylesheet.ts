/** authgate's only stylesheet, served from <proxy-prefix>/static/authgate.css (no external assets). */
export const STYLESHEET = `:root{color-scheme:light dark;--fg:#1b1f24;--bg:#f5f6f8;--card:#fff;--accent:#1f5fbf;--muted:#57606a}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--card:#161b22;--accent:#4c8ee8;--muted:#9da7b3}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);padding:1rem}
.card{background:var(--card);border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.12);padding:2rem;width:100%;max-width:28rem}
h1{font-size:1.5rem;margin:0 0 1rem}
.button{display:inline-block;border:0;border-radius:8px;padding:.7rem 1.2rem;font:inherit;font-weight:600;
color:#fff;background:var(--accent);text-decoration:none;cursor:pointer}
.button:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.muted{color:var(--muted);font-size:.9rem}
code{word-break:break-all}
.footer{margin-top:1rem;color:var(--muted);font-size:.85rem}
`;

/**
 * authgate's only stylesheet, served from <proxy-prefix>/static/authgate.css (no external assets, no web
 * fonts). Colours meet WCAG AA contrast in the light and the dark scheme; focus is always visible.
 */
export const STYLESHEET = `:root{color-scheme:light dark;--fg:#1b1f24;--bg:#eef1f5;--card:#fff;--accent:#1a56b8;--accent-hover:#15479a;
--on-accent:#fff;--muted:#4f5964;--line:#d5dbe3;--banner-bg:#1b1f24;--banner-fg:#fff}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--card:#161b22;--accent:#5a9af0;--accent-hover:#7db0f5;
--on-accent:#0d1117;--muted:#a3adb8;--line:#30363d;--banner-bg:#e6edf3;--banner-fg:#0d1117}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:1.25rem;
font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg);padding:1.25rem}
.banner{width:100%;max-width:30rem;background:var(--banner-bg);color:var(--banner-fg);border-radius:10px;padding:.6rem 1rem;
text-align:center;font-weight:600}
.banner p{margin:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;box-shadow:0 6px 24px rgba(15,23,42,.08);
padding:2rem 2rem 1.75rem;width:100%;max-width:30rem}
.card>:last-child{margin-bottom:0}
.mark{display:block;color:var(--accent);margin:0 0 .75rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .75rem}
p{margin:0 0 1rem}
.lead{font-size:1.05rem}
form{margin:0 0 1rem}
.button{display:inline-flex;align-items:center;justify-content:center;min-height:2.9rem;border:0;border-radius:9px;
padding:.7rem 1.25rem;font:inherit;font-weight:600;color:var(--on-accent);background:var(--accent);text-decoration:none;cursor:pointer}
form .button{width:100%}
.button:hover{background:var(--accent-hover)}
.button:focus-visible,a:focus-visible{outline:3px solid var(--fg);outline-offset:3px}
a{color:var(--accent)}
.muted{color:var(--muted);font-size:.92rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem;font-size:.95rem}
.facts dt{color:var(--muted)}
.facts dd{margin:0}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.footer{color:var(--muted);font-size:.85rem;text-align:center}
.footer p{margin:0}
@media (max-width:480px){body{justify-content:flex-start;padding:1rem .75rem}.card{padding:1.5rem 1.25rem}h1{font-size:1.4rem}}
@media (prefers-reduced-motion:no-preference){.button{transition:background-color .15s}}
`;

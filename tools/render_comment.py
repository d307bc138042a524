"""Render a PR comment as a reviewer sees it: cmark-gfm HTML, Mermaid drawn, then a Chromium screenshot.

    .venv/bin/python tools/render_comment.py comment.md out.png [--open]

Needs Debian's ``chromium`` and ``tools/mermaid-check`` installed (``npm ci --prefix tools/mermaid-check``).
``--open`` opens every <details>, to look at all of it at once. Prints the size of each drawn diagram.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import cmarkgfm
from cmarkgfm.cmark import Options

ROOT = Path(__file__).resolve().parent.parent
MERMAID_JS = ROOT / "tools" / "mermaid-check" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; max-width: 880px;
       margin: 16px auto; padding: 0 16px; }
table { border-collapse: collapse; display: block; overflow: auto; margin: 8px 0; }
th, td { border: 1px solid #d1d9e0; padding: 4px 10px; vertical-align: top; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 4px; padding: 1px 4px; font-size: 85%; }
blockquote { border-left: 4px solid #d1242f; margin: 8px 0; padding: 2px 12px; color: #59636e; }
details { margin: 8px 0; } summary { cursor: pointer; font-weight: 600; }
.mermaid { border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px; overflow: auto; }
"""
SCRIPT = """
document.querySelectorAll('pre[lang="mermaid"]').forEach(pre => {
  const div = document.createElement('div'); div.className = 'mermaid'; div.textContent = pre.textContent;
  pre.replaceWith(div);
});
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
mermaid.run().then(() => {
  const sizes = [...document.querySelectorAll('.mermaid svg')].map(s => {
    const b = s.getBBox(); return Math.round(b.width) + 'x' + Math.round(b.height);
  });
  document.title = 'diagrams ' + sizes.join(' ');
});
"""


def page(markdown: str, open_all: bool) -> str:
    body = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    if open_all:
        body = body.replace("<details>", "<details open>")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style>"
        f"<script>{MERMAID_JS.read_text()}</script></head><body>{body}<script>{SCRIPT}</script></body></html>"
    )


def chromium(*args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tempfile.mkdtemp()}",
        "--virtual-time-budget=10000",
    ]
    return subprocess.run(["chromium", *flags, *args], capture_output=True, text=True, timeout=120)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("markdown", type=Path)
    ap.add_argument("png", type=Path)
    ap.add_argument("--open", action="store_true", help="open every <details>")
    ap.add_argument("--height", type=int, default=2400)
    args = ap.parse_args()
    html = args.png.with_suffix(".html")
    html.write_text(page(args.markdown.read_text(), args.open))
    dom = chromium("--dump-dom", html.as_uri())
    title = dom.stdout.split("<title>", 1)[-1].split("</title>", 1)[0] if "<title>" in dom.stdout else "no diagram"
    print(title)
    shot = chromium(f"--screenshot={args.png}", f"--window-size=1280,{args.height}", html.as_uri())
    return 0 if args.png.exists() else (print(shot.stderr, file=sys.stderr) or 1)


if __name__ == "__main__":
    sys.exit(main())

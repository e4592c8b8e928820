"""The seed report in headless Chromium, from the file system: follow the links from the index to
the 数字食利国 concept page and a topic page, no console errors and no failed requests, Chinese text
drawn with a CJK font (CSS.getPlatformFontsForNode), screenshots saved beside the report.

Chromium is driven over the DevTools protocol with a small websocket client (websocket-client);
``scripts/test.sh`` installs Debian's chromium, chromium-driver and fonts-noto-cjk when missing.
"""
from __future__ import annotations

import base64
import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from test_report import seed_report

from conftest import SEED, WORKS

CJK_FAMILIES = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "WenQuanYi", "Droid Sans Fallback", "AR PL")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--window-size=1280,1600", "--remote-debugging-port=0", "--allow-file-access-from-files"]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class CDP:
    """A minimal DevTools client: one page target, commands by id, events collected as they come."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        end = time.time() + timeout
        seen = len(self.events)
        while time.time() < end:
            for ev in self.events[seen:]:
                if ev["method"] == method:
                    self.events.remove(ev)
                    return ev
            seen = len(self.events)
            self.ws.settimeout(max(0.1, end - time.time()))
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def navigate(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        time.sleep(0.3)  # late console messages and image loads
        self.send("Runtime.evaluate", expression="1")  # drain events queued meanwhile

    def problems(self) -> list[str]:
        out = []
        for ev in self.events:
            m, p = ev["method"], ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(f"exception: {p['exceptionDetails'].get('text')} {p['exceptionDetails'].get('url', '')}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(f"console.{p['type']}: {[a.get('value') for a in p.get('args', [])]}")
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif m == "Network.loadingFailed":
                out.append(f"failed request: {p.get('errorText')} {p.get('requestId')}")
            elif m == "Network.responseReceived" and p["response"].get("status", 200) >= 400:
                out.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
        return out

    def eval(self, js: str) -> Any:
        return self.send("Runtime.evaluate", expression=js, returnByValue=True)["result"].get("value")

    def fonts_of(self, selector: str) -> list[dict[str, Any]]:
        root = self.send("DOM.getDocument", depth=-1)["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        assert node, f"no element {selector}"
        return self.send("CSS.getPlatformFontsForNode", nodeId=node)["fonts"]

    def set_width(self, width: int) -> None:
        """Lay pages out as a desktop (1280 px) or a phone (390 px, touch, device scale 3)."""
        mobile = width < 600
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=900 if mobile else 1000,
                  deviceScaleFactor=1, mobile=mobile)
        self.width = width

    def screenshot(self, path: Path) -> None:
        width = getattr(self, "width", 1280)
        h = self.eval("Math.min(6000, document.documentElement.scrollHeight)") or 1600
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=int(h), deviceScaleFactor=1,
                  mobile=width < 600)
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        self.set_width(width)


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/test.sh installs it)")
        pytest.skip("chromium is not installed and could not be (run scripts/test.sh as root)")
    pytest.importorskip("websocket", reason="websocket-client is not installed")
    profile = Path(tempfile.mkdtemp(prefix="litmap-chromium-"))
    proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.time() + 30
        while not (port_file.is_file() and port_file.read_text().strip()) and time.time() < end:
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t["type"] == "page")
        cdp = CDP(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network", "DOM", "CSS"):
            cdp.send(f"{domain}.enable")
        yield cdp
        cdp.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def _assert_cjk(cdp: CDP, selector: str) -> None:
    fonts = cdp.fonts_of(selector)
    cjk = [f for f in fonts if any(f["familyName"].startswith(n) for n in CJK_FAMILIES)]
    assert cjk, f"{selector} drawn with {[f['familyName'] for f in fonts]}, no CJK font"
    text = cdp.eval(f"document.querySelector({json.dumps(selector)}).textContent")
    n_han = len(re.findall(r"[\u4e00-\u9fff]", text or ""))
    # Every Chinese character is drawn by a CJK font: the CJK fonts' glyphs cover them all.
    assert sum(f["glyphCount"] for f in cjk) >= n_han > 0, (fonts, text)


def test_seed_report_in_chromium(browser: CDP) -> None:
    report = seed_report()
    shots = report / "screenshots"
    shots.mkdir(exist_ok=True)
    browser.navigate((report / "index.html").as_uri())
    assert browser.problems() == []
    assert "litmap" in browser.eval("document.title")
    _assert_cjk(browser, "h1")
    _assert_cjk(browser, "#concepts table td a")
    browser.screenshot(shots / "index.png")
    # Follow the link from the index to the concept page, as a reader would.
    href = browser.eval("Array.from(document.querySelectorAll('#concepts a')).find(a => a.textContent === '数字食利国').href")
    assert href and href.startswith("file://")
    browser.navigate(href)
    assert browser.problems() == []
    assert browser.eval("document.querySelector('h1').textContent").startswith("数字食利国")
    assert browser.eval("document.querySelectorAll('#kwic tbody tr').length") >= 5
    assert browser.eval("document.querySelectorAll('#spread svg text').length") >= 3
    _assert_cjk(browser, "#kwic tbody tr td.kwic")
    browser.screenshot(shots / "concept_数字食利国.png")
    browser.navigate((report / "index.html").as_uri())
    href = browser.eval("Array.from(document.querySelectorAll('#topics a')).find(a => /topics\\/topic-\\d+\\.html$/.test(a.href)).href")
    browser.navigate(href)
    assert browser.problems() == []
    assert browser.eval("document.querySelector('h1').textContent").startswith("主题")
    _assert_cjk(browser, "h1")
    browser.screenshot(shots / "topic.png")
    # The interactive network reacts to the pointer (hover highlights neighbours) without errors.
    browser.navigate((report / "index.html").as_uri())
    n = browser.eval("(() => { const g = document.querySelector('svg.net g.node'); if (!g) return -1;"
                     " g.dispatchEvent(new MouseEvent('mouseenter')); return document.querySelectorAll('svg.net .dim').length; })()")
    assert n > 0
    assert browser.problems() == []
    for name in ("index.png", "concept_数字食利国.png", "topic.png"):
        assert (shots / name).stat().st_size > 20_000


@functools.lru_cache(maxsize=1)
def mirror_report() -> Path:
    """The seed with four works, one of them again as its traditional-script mirror (劉皓琰 for
    刘皓琰) and one printed in traditional script only (孫來斌): the cases where one person could
    show up as two."""
    from test_report import _config, litmap_run

    tmp = Path(tempfile.mkdtemp(prefix="litmap-browser-"))
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    for name in ("w005.md", "w007.md", "w007-mirror.md", "w070.md"):
        shutil.copy(WORKS / name, corpus / name)
    litmap_run(corpus, tmp / "report", _config(tmp))
    return tmp / "report"


def _page_with_h1(folder: Path, start: str) -> Path:
    for f in sorted(folder.glob("*.html")):
        if re.search(r"<h1>\s*" + re.escape(start), f.read_text(encoding="utf-8")):
            return f
    raise AssertionError(f"no page in {folder} titled {start}")


HASH_JS = r"(document.body.innerText.match(/\b(?:w[0-9a-f]{12}|[0-9a-f]{12,})\b/g) || [])"


@pytest.mark.parametrize("width", [1280, 390])
def test_front_concept_author_and_topic_pages_at_desktop_and_phone_width(browser: CDP, width: int) -> None:
    from pipeline.ingest.normalize import to_simplified

    report = mirror_report()
    shots = report / "screenshots"
    shots.mkdir(exist_ok=True)
    pages = {"front": report / "index.html",
             "concept": _page_with_h1(report / "concepts", "数字食利国"),
             "author": _page_with_h1(report / "authors", "刘皓琰"),
             "topic": report / "topics" / "topic-0.html"}
    browser.set_width(width)
    people: dict[str, set[str]] = {}
    for kind, page in pages.items():
        browser.navigate(page.as_uri())
        assert browser.problems() == [], (kind, width)
        assert browser.eval("document.documentElement.lang") == "zh-CN"
        _assert_cjk(browser, "h1")
        assert browser.eval(HASH_JS) == [], (kind, width)
        # Nothing wider than the screen: long tables scroll inside their box, the page does not.
        over = browser.eval("document.documentElement.scrollWidth - window.innerWidth")
        assert over <= 1, f"{kind} page is {over} px wider than a {width} px screen"
        assert browser.eval("Array.from(document.querySelectorAll('img')).every(i => i.alt)")
        assert browser.eval("Array.from(document.querySelectorAll('svg[role=img]'))"
                            ".every(s => s.getAttribute('aria-label') || s.querySelector('title'))")
        for name in browser.eval("Array.from(document.querySelectorAll('a[href*=\"authors/\"]')).map(a => a.textContent.trim())"):
            people.setdefault(to_simplified(name), set()).add(name)
        browser.screenshot(shots / f"{kind}-{width}.png")
        assert (shots / f"{kind}-{width}.png").stat().st_size > 10_000
    # The author's page is the person's one page, the other printed form listed there.
    browser.navigate(pages["author"].as_uri())
    assert "劉皓琰" in browser.eval("document.body.innerText")
    two = {k: v for k, v in people.items() if len(v) > 1}
    assert not two, f"one person linked under two names: {two}"


def test_long_tables_are_paged_and_pages_fit_a_phone(browser: CDP) -> None:
    """Tables over 50 rows show 50 at a time (prev/next; sorting and the filter page over every
    row), and the front page and the table pages are no wider than a 390 px phone."""
    report = seed_report()
    browser.navigate((report / "authors.html").as_uri())
    assert browser.problems() == []
    rows = "document.querySelectorAll('#authors table tbody tr')"
    shown = f"Array.from({rows}).filter(r => r.style.display !== 'none').length"
    n = browser.eval(f"{rows}.length")
    assert n > 50  # the seed's 77 footnotes cite more than 50 people
    assert browser.eval(shown) == 50
    browser.eval("document.querySelector('#authors .pager button:last-of-type').click()")
    assert browser.eval(shown) == min(50, n - 50)
    assert browser.eval("document.querySelector('#authors .pager span').textContent").startswith("51–")
    browser.eval("document.querySelector('#authors table th').click()")  # sorting goes back to the first page
    assert browser.eval(shown) == 50
    browser.eval("const f = document.querySelector('#authors input.filter'); f.value = '温旭';"
                 " f.dispatchEvent(new Event('input'))")
    assert browser.eval(shown) == 1
    try:
        browser.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
        for page in ("index.html", "documents.html", "authors.html", "references.html"):
            browser.navigate((report / page).as_uri())
            assert browser.problems() == [], page
            assert browser.eval("document.documentElement.scrollWidth") <= 390, page
        assert browser.eval("document.querySelectorAll('main.findings > section').length") == 0  # not on this page
        browser.navigate((report / "index.html").as_uri())
        boxes = browser.eval("Array.from(document.querySelectorAll('main.findings > section'))"
                             ".map(s => Math.round(s.getBoundingClientRect().left))")
        assert len(boxes) >= 6 and len(set(boxes)) == 1  # the blocks in one column
        assert browser.eval("Array.from(document.querySelectorAll('svg[role=img]')).every(s => s.getAttribute('aria-label'))")
        assert browser.eval("Array.from(document.querySelectorAll('img')).every(i => i.alt)")
    finally:
        browser.send("Emulation.clearDeviceMetricsOverride")

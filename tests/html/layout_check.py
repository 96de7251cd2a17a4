#!/usr/bin/env python3
"""The `carecoord diff --format html` report in a real browser: headless Chromium lays it out
at a given width and a script in the page reports horizontal overflow (of the page, a table or
an SVG) and SVG text drawn outside its SVG's viewBox (clipped). The checker first proves it can
fail: a page with a deliberately wide table and a clipped label must be reported.

Usage: layout_check.py CHROMIUM CARECOORD SOURCE_DIR [SCREENSHOT.png]
"""
import os
import re
import subprocess
import sys
import tempfile

CHROMIUM, CARECOORD, SOURCE = sys.argv[1:4]
SCREENSHOT = sys.argv[4] if len(sys.argv) > 4 else None
AS_OF = "2026-11-27"

CHECK = """<script>
window.addEventListener('load', function () {
  var problems = [];
  var vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw)
    problems.push('the page is ' + document.documentElement.scrollWidth + ' px wide in a ' + vw + ' px window');
  document.querySelectorAll('table').forEach(function (t, i) {
    var r = t.getBoundingClientRect();
    if (r.right > vw + 0.5) problems.push('table ' + i + ' ends at ' + Math.round(r.right) + ' px');
  });
  document.querySelectorAll('svg').forEach(function (svg, i) {
    var r = svg.getBoundingClientRect();
    if (r.right > vw + 0.5) problems.push('svg ' + i + ' ends at ' + Math.round(r.right) + ' px');
    var vb = svg.viewBox.baseVal;
    var w = vb && vb.width ? vb.width : svg.width.baseVal.value, h = vb && vb.height ? vb.height : svg.height.baseVal.value;
    var x0 = vb ? vb.x : 0, y0 = vb ? vb.y : 0;
    svg.querySelectorAll('text').forEach(function (t) {
      var b = t.getBBox();
      if (b.x < x0 - 0.5 || b.y < y0 - 0.5 || b.x + b.width > x0 + w + 0.5 || b.y + b.height > y0 + h + 0.5)
        problems.push('svg ' + i + ' clips the text "' + t.textContent + '"');
    });
  });
  var out = document.createElement('pre');
  out.id = 'layout-check';
  out.textContent = problems.length ? problems.join('\\n') : 'LAYOUT OK';
  document.body.appendChild(out);
});
</script>"""


def layout(html, width):
    with tempfile.TemporaryDirectory() as d:
        page = os.path.join(d, "page.html")
        with open(page, "w") as f:
            f.write(html.replace("</body>", CHECK + "</body>"))
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--window-size={width},2000", "--virtual-time-budget=5000", "--dump-dom", "file://" + page],
                           capture_output=True, text=True, timeout=120)
        m = re.search(r'<pre id="layout-check">(.*?)</pre>', p.stdout, re.S)
        if not m:
            return [f"chromium gave no result (exit {p.returncode}): {p.stderr[-2000:]}"]
        text = m.group(1)
        return [] if text == "LAYOUT OK" else text.split("\n")


failures = []

# 1. The checker can fail: a table wider than the window, and a label that starts left of
#    its SVG.
bad = ("<!DOCTYPE html><html><body><table><tr><td style=\"white-space:nowrap\">" + "wide " * 200 +
       "</td></tr></table><svg viewBox=\"0 0 100 40\" width=\"100\" height=\"40\"><text x=\"20\" y=\"20\" "
       "text-anchor=\"end\">a long program name</text></svg></body></html>")
found = layout(bad, 700)
if not any("table 0" in p for p in found) or not any("clips the text" in p for p in found):
    failures.append(f"the checker missed a wide table or a clipped label: {found}")

# 2. The diff report over the six-patient population, with the default programs (whose names
#    are long) and two policy changes, at 700 px (a narrow laptop window) and 1200 px.
pop = os.path.join(SOURCE, "tests", "cli", "data", "population", "diff-six.ndjson")
with tempfile.TemporaryDirectory() as d:
    report = os.path.join(d, "impact.html")
    p = subprocess.run([CARECOORD, "diff", "--from", "rulesets/intensity/intensity-v1.yaml", "--to",
                        "rulesets/intensity/intensity-v2.yaml", "--with", "rulesets/programs", "--with", "rulesets/triggers",
                        "--ignore-effective", "--as-of", AS_OF, "--format", "html", "--output", report, pop],
                       cwd=SOURCE, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        failures.append(f"diff --format html: exit {p.returncode}: {p.stderr}")
    else:
        html = open(report).read()
        for width in (700, 1200):
            for problem in layout(html, width):
                failures.append(f"at {width} px: {problem}")
        if SCREENSHOT:
            subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            "--window-size=1000,1700", f"--screenshot={SCREENSHOT}", "file://" + report],
                           capture_output=True, timeout=120, check=True)

for f in failures:
    print("FAILED:", f)
print("html layout:", "FAIL" if failures else "ok")
sys.exit(1 if failures else 0)

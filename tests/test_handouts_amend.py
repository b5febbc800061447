"""The one pass over a rendered handout (datasharing_workshop.handouts.amend)."""

from __future__ import annotations

from datasharing_workshop.handouts.amend import NO_ALT, amend
from datasharing_workshop.handouts.offline import external_resources

PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>T</title>
<style>body { background: url(data:image/png;base64,AAAA); } h1 { color: red }</style>
<script>if (a <h1) { document.write("<h2>not a heading</h2>"); }</script>
</head><body>
<nav id="dsw-toc" class="dsw-toc"><p>Contents</p>
</nav>
<main id="content">
<h1 id="Title">Title<a class="anchor-link" href="#Title">&#182;</a></h1>
<!-- <h2>a comment</h2> -->
<h2 id="One">One &amp; <em>only</em><a class="anchor-link" href="#One">&#182;</a></h2>
<h3>Scenario: <b>x</b></h3>
<h3>Scenario: <b>x</b></h3>
<table><thead><tr><th>A</th><th scope="row">B</th></tr></thead>
<tbody><tr><th>row</th><td>1</td></tr><tr><td>2</td><th>late</th></tr></tbody></table>
<h2 id="Two">Two</h2>
<h1 id="Again">Again</h1>
<h2 id="Three">Three</h2>
<img src="data:image/png;base64,AAAA">
<img src="data:image/png;base64,AAAA" alt="a chart">
</main></body></html>
"""


def test_headings_get_ids_page_breaks_and_a_nested_table_of_contents():
    out = amend(PAGE).html
    assert "anchor-link" not in out and "&#182;" not in out
    assert '<h3 id="section-Scenario-x">' in out
    assert '<h3 id="section-Scenario-x-2">' in out  # ids stay unique
    assert '<h2 class="dsw-page-break" id="Two">' in out  # not directly after an h1
    assert '<h1 class="dsw-page-break" id="Again">' in out  # every h1 after the first
    assert '<h2 id="One">' in out and '<h2 id="Three">' in out  # right after an h1
    toc = out[out.index('<nav id="dsw-toc"') : out.index("</nav>")]
    assert toc.endswith(
        '<ol><li><a href="#Title">Title</a><ol>'
        '<li><a href="#One">One &amp; only</a><ol>'
        '<li><a href="#section-Scenario-x">Scenario: x</a></li>'
        '<li><a href="#section-Scenario-x-2">Scenario: x</a></li></ol></li>'
        '<li><a href="#Two">Two</a></li></ol></li>'
        '<li><a href="#Again">Again</a><ol><li><a href="#Three">Three</a></li></ol></li></ol>'
    )
    assert "not a heading" in out  # scripts and comments are copied, not read
    assert "<h2>a comment</h2>" in out


def test_table_headers_get_scope_and_images_alt_text():
    out = amend(PAGE).html
    assert '<thead><tr><th scope="col">A</th><th scope="row">B</th>' in out
    assert '<tr><th scope="row">row</th><td>1</td></tr>' in out
    assert '<tr><td>2</td><th scope="col">late</th></tr>' in out
    assert f'<img src="data:image/png;base64,AAAA" alt="{NO_ALT}">' in out
    assert '<img src="data:image/png;base64,AAAA" alt="a chart">' in out


def test_one_heading_means_no_table_of_contents():
    page = '<nav id="dsw-toc"><p>Contents</p></nav><main><h1 id="x">Only</h1></main>'
    assert amend(page).html == '<main><h1 id="x">Only</h1></main>'


def test_what_the_page_would_fetch_matches_the_full_parser():
    page = """<html><head>
<link rel="stylesheet" href="https://cdn.example.org/x.css">
<script src="https://cdn.example.org/x.js"></script>
<style>@import "theme.css"; .a { background: url('https://e.org/i.png') }</style>
</head><body><main>
<img srcset="data:image/png;base64,AA 1x, https://e.org/big.png 2x">
<div style="background-image: url(https://e.org/bg.png)"></div>
<svg><image xlink:href="https://e.org/s.png"/></svg>
<a href="https://ctopendata.github.io/data-sharing-playbook/">a link to read is fine</a>
<iframe src="https://e.org/frame"></iframe>
</main></body></html>"""
    assert sorted(amend(page).fetched) == sorted(external_resources(page))
    assert len(amend(page).fetched) == 8
    assert amend(PAGE).fetched == []

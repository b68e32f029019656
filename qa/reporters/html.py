"""The self-contained HTML report as a reporter (``--format html``); the work is in :mod:`qa.reporters.html_report`."""

from __future__ import annotations

from qa.reporters.base import Reporter


class HtmlReporter(Reporter):
    name = "html"
    kinds = ("results",)
    extension = ".html"
    description = "one self-contained HTML file: charts, sortable agent table, drill-down to transcripts"

    def write_results(self, results, out, options):
        from qa.reporters.html_report import load_transcripts, render_report

        results = list(results)
        convs = options.get("conversations")
        if convs is None:
            convs = load_transcripts(results, readers=options["readers"])
        out.write(render_report(results, conversations=convs, policy=options.get("policy"),
                                title=options.get("title") or "qa report"))

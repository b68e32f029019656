"""JUnit XML: one testcase per conversation, so CI systems show conversation results natively.

A failed conversation is a ``<failure>`` listing its findings; a fatal one has ``type="fatal"``;
checker errors are ``<error>``. Test suites group conversations by team.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from qa.reporters.base import Reporter

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text) -> str:
    return _XML_ILLEGAL.sub("\ufffd", str(text if text is not None else ""))


class JunitReporter(Reporter):
    name = "junit"
    extension = ".xml"
    description = "JUnit XML, one testcase per conversation (failures = failed conversations)"

    def write_results(self, results, out, options):
        suites: dict[str, ET.Element] = {}
        root = ET.Element("testsuites", name=_clean(f"qa {options.get('rubric_label', '')}".strip()))
        totals = {"tests": 0, "failures": 0, "errors": 0}
        for r in results:
            team = r.get("team") or "—"
            suite = suites.get(team)
            if suite is None:
                suite = suites[team] = ET.SubElement(root, "testsuite", name=_clean(team), tests="0", failures="0",
                                                     errors="0")
            case = ET.SubElement(suite, "testcase", name=_clean(r["conversation_id"]),
                                 classname=_clean(f"{team}.{r.get('agent_id') or '—'}"), time="0")
            ET.SubElement(case, "properties")
            for key in ("score", "agent_id", "channel", "started_at"):
                ET.SubElement(case[0], "property", name=key, value=_clean(r.get(key)))
            kind = None
            if r.get("errors"):
                kind = "errors"
                err = ET.SubElement(case, "error", message=_clean(f"{len(r['errors'])} checker error(s)"))
                err.text = _clean("\n".join(f"{e.get('rule')}: {e.get('error')}" for e in r["errors"]))
            if not r.get("passed"):
                kind = kind or "failures"
                fail = ET.SubElement(case, "failure", type="fatal" if r.get("fatal") else "below-pass-mark",
                                     message=_clean(f"score {r['score']:g}, {len(r.get('findings') or ())} finding(s)"))
                fail.text = _clean("\n".join(
                    f"[{f.get('severity')}] {f.get('rule')} turn {f.get('turn')}: {f.get('message')}"
                    for f in r.get("findings") or ()))
            for k in ("tests",) + ((kind,) if kind else ()):
                suite.set(k, str(int(suite.get(k)) + 1))
                totals[k] += 1
        for k, v in totals.items():
            root.set(k, str(v))
        ET.indent(root)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(ET.tostring(root, encoding="unicode"))
        out.write("\n")

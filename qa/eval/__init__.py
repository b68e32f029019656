"""``qa eval``: how far a rubric agrees with human readers (docs/eval.md).

One job per module, in the order a run uses them:

| module | job |
|---|---|
| ``labels`` | label records (docs/labelling.md) read and checked, with file/line/field errors |
| ``devset`` | the development set: manifest, sources, the frozen split, reading conversations |
| ``targets`` (+ ``targets.yaml``) | which rules implement which label |
| ``evaluate`` | pair labels with conversations, score once, count |
| ``judge`` | label vs result per unit → items; the figures a rubric can be measured on |
| ``metrics`` | pure arithmetic: Wilson intervals, P/R/F1, balanced accuracy, Cohen's kappa, macro-F1 |
| ``report`` | items → rows; the terminal table |
| ``show`` | ``--show fp|fn``: disagreements in context |
| ``agree`` | agreement between two label passes, per field |
| ``floors`` | figures pinned for CI |
| ``review_labels`` | ``qa review export``: a QA lead's reviews as labels |
"""

"""Complaint-type classification outside the rule engine: labelled data, the trainable model,
evaluation, the rubric's keyword classifier as a classifier, and keyword suggestion.

Modules import scikit-learn / numpy / jieba only inside the functions that need them.
"""

"""qa-finance: finance-compliance checks for qa (over-promised returns, risk disclosure, PII read-back)."""

__version__ = "0.1.0"

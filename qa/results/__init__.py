"""After scoring: result files, scorecards, the history store, reviews, calibration and redaction."""

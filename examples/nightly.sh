#!/usr/bin/env bash
# Nightly QA job: score yesterday's exports into the history db, publish the HTML report and the team
# scorecard, and fail (exit 1) when a team's pass rate is under the threshold. See docs/nightly.md.
#
#   cron:  15 2 * * *  QA_EXPORTS=/data/exports QA_DB=/var/lib/qa/qa.db QA_PUBLISH=/var/www/qa /opt/qa/nightly.sh
#
# Exit codes: 0 all teams at or above the threshold, 1 quality gate failed, 2 usage/config error,
# 3 input records rejected (only with QA_STRICT=1).
set -euo pipefail

EXPORTS=${QA_EXPORTS:?set QA_EXPORTS to the folder holding one sub-folder of exports per day (YYYY-MM-DD)}
DB=${QA_DB:-qa.db}
RUBRIC=${QA_RUBRIC:-zh-customer-service}
THRESHOLD=${QA_PASS_RATE:-0.80}
PUBLISH=${QA_PUBLISH:-public}
DAY=${QA_DAY:-$(python3 -c 'import datetime; print(datetime.date.today() - datetime.timedelta(days=1))')}
QA=${QA_BIN:-qa}

shopt -s nullglob
files=("$EXPORTS/$DAY"/*)
if [ ${#files[@]} -eq 0 ]; then
  echo "nightly: no exports for $DAY in $EXPORTS/$DAY" >&2
  exit 2
fi
mkdir -p "$PUBLISH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

strict=()
[ "${QA_STRICT:-0}" = 1 ] && strict=(--strict)
"$QA" score "${files[@]}" --rubric "$RUBRIC" -f jsonl -o "$work/results.jsonl" --rejects "$PUBLISH/rejects-$DAY.jsonl" \
  "${strict[@]}"
"$QA" history import "$work/results.jsonl" --db "$DB" --input "${files[@]}" --source "nightly $DAY"
"$QA" report "$work/results.jsonl" --conversations "${files[@]}" --title "QA $DAY" -o "$PUBLISH/report-$DAY.html"
cp "$PUBLISH/report-$DAY.html" "$PUBLISH/index.html"

gate=0
"$QA" scorecard "$work/results.jsonl" --by team --period all --rubric "$RUBRIC" \
  --fail-under-pass-rate "$THRESHOLD" -f csv -o "$PUBLISH/teams-$DAY.csv" || gate=$?
echo "nightly $DAY: report $PUBLISH/report-$DAY.html, team scorecard $PUBLISH/teams-$DAY.csv" >&2
exit "$gate"

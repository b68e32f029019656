"""Timing checkers: interruptions, silence and holds, response times, speech rate, handle time,
long messages and follow-ups. Definitions and thresholds: docs/timing.md."""

from __future__ import annotations

from qa.rules.checkers.timing.first_response import FirstResponseChecker
from qa.rules.checkers.timing.follow_up import FollowUpChecker
from qa.rules.checkers.timing.handle_time import HandleTimeChecker
from qa.rules.checkers.timing.interruption import InterruptionChecker
from qa.rules.checkers.timing.long_message import LongMessageChecker
from qa.rules.checkers.timing.reply_wait import ReplyWaitChecker
from qa.rules.checkers.timing.silence import SilenceChecker
from qa.rules.checkers.timing.speech_rate import SpeechRateChecker


def checkers() -> list[type]:
    return [InterruptionChecker, SilenceChecker, FirstResponseChecker, ReplyWaitChecker, SpeechRateChecker,
            HandleTimeChecker, LongMessageChecker, FollowUpChecker]

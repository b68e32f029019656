"""Timing checkers: interruptions, silence and holds, response times, speech rate, handle time,
long messages and follow-ups. Definitions and thresholds: docs/timing.md."""

from __future__ import annotations


def checkers() -> list[type]:
    from qa.checkers.timing.first_response import FirstResponseChecker
    from qa.checkers.timing.follow_up import FollowUpChecker
    from qa.checkers.timing.handle_time import HandleTimeChecker
    from qa.checkers.timing.interruption import InterruptionChecker
    from qa.checkers.timing.long_message import LongMessageChecker
    from qa.checkers.timing.reply_wait import ReplyWaitChecker
    from qa.checkers.timing.silence import SilenceChecker
    from qa.checkers.timing.speech_rate import SpeechRateChecker

    return [InterruptionChecker, SilenceChecker, FirstResponseChecker, ReplyWaitChecker, SpeechRateChecker,
            HandleTimeChecker, LongMessageChecker, FollowUpChecker]

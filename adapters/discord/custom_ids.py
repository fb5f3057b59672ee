"""The custom id templates of Rightsize's Discord buttons."""

from __future__ import annotations

import re

from bot.compose import PRACTICE_ACTION, PRACTICE_NEXT_ACTION, VOTE_ACTION
from bot.vocabulary import Choice

_CHOICES = "|".join(re.escape(choice.value) for choice in Choice)
# A round id is a database id of at most 19 digits; the engine rejects ids past 2**63 - 1.
VOTE_TEMPLATE = rf"{VOTE_ACTION}:(?P<round_id>[0-9]{{1,19}}):(?P<choice>{_CHOICES})"
PRACTICE_TEMPLATE = (
    rf"{PRACTICE_ACTION}:(?P<scenario_id>[a-z0-9][a-z0-9-]*):(?P<choice>{_CHOICES})"
)
PRACTICE_NEXT_TEMPLATE = re.escape(PRACTICE_NEXT_ACTION)
# Every custom id a Rightsize button can carry; a click on anything else is stale.
BUTTON_TEMPLATES = (VOTE_TEMPLATE, PRACTICE_TEMPLATE, PRACTICE_NEXT_TEMPLATE)

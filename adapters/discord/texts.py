"""Every Discord-only text a user or operator reads, kept apart from the engine's texts."""

from __future__ import annotations

# Shown in the rejection of an admin subcommand, after "Only ...".
ADMINS_ARE = "members with Manage Server"

# Stored as the team's pause reason, so `/rightsize status` shows admins what to fix.
CHANNEL_NOT_FOUND = "the Discord channel was deleted, or the bot can no longer see it"
MISSING_ACCESS = "the bot cannot see the Discord channel; give it View Channel there"
MISSING_PERMISSIONS = (
    "the bot lacks a permission in the Discord channel; it needs View Channel, "
    "Send Messages, Embed Links and Read Message History"
)

UNKNOWN_BUTTON = (
    "This button is out of date or does not belong to Rightsize, so nothing was recorded."
)
SERVER_ONLY = "Rightsize commands work in server channels, not in direct messages."

# The name of the embed field that shows the vote bars of a reveal.
VOTES_FIELD = "Votes"
# Shown for a card field whose value is empty, because Discord rejects empty fields.
EMPTY_FIELD = "none"
# The name and value of the last field when a card has more fields than an embed takes.
MORE_FIELDS = "More"


def more_fields(count: int) -> str:
    """Say how many card fields did not fit into the embed."""
    noun = "field" if count == 1 else "fields"
    return f"{count} more {noun} did not fit into this message."


# Slash command descriptions: Discord allows at most 100 characters each.
GROUP_DESCRIPTION = "Rightsize: small model, frontier model, or a hybrid of both?"
QUIZ = "Practise alone with a private self-quiz scenario"
LEADERBOARD = "Show the team's points, accuracy and streaks"
LEADERBOARD_SCOPE = "This season (the default) or all time"
STATS = "Show the team's bias stats, or your own"
STATS_ME = "Show your own bias stats instead of the team's"
STATUS = "Show the next post, the season's progress and whether the team is paused"
HELP = "List the Rightsize commands"
SETUP = "Admins: subscribe this channel to the daily round"
SETUP_TIME = "Local post time as HH:MM, for example 09:30"
SETUP_TZ = "IANA time zone, for example Europe/Berlin"
SETUP_DAYS = "Active weekdays, for example mon-fri (the default) or mon,wed,fri"
PAUSE = "Admins: stop the daily post in this channel"
RESUME = "Admins: restart the daily post in this channel"
OFF = "Admins: manage the days without a round"
OFF_ADD = "Admins: add off days"
OFF_LIST = "Admins: list the upcoming off days"
OFF_REMOVE = "Admins: remove off days"
OFF_DATES = "One date or a range, for example 2027-12-24 or 2027-12-24..2027-12-31"
POST_NOW = "Admins: post today's round now"
REVEAL_NOW = "Admins: reveal the open round now"

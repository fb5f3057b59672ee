"""Every Slack-only text a user or operator reads, kept apart from the engine's texts."""

from __future__ import annotations

# Shown in the rejection of an admin subcommand, after "Only ...".
ADMINS_ARE = "workspace admins and the user ids in SLACK_ADMIN_IDS"

# A card longer than a Slack message can carry ends with this line instead.
SHORTENED = "This message was shortened to fit Slack's limit of 50 blocks."

# Stored as the team's pause reason, so `/rightsize status` shows admins what to fix.
CHANNEL_PROBLEMS = {
    "is_archived": "the Slack channel is archived",
    "channel_is_archived": "the Slack channel is archived",
    "channel_not_found": "the Slack channel was not found (deleted, or private without the bot)",
    "not_in_channel": "the bot is not a member of the Slack channel; invite it first",
}


def channel_problem(error: str) -> str:
    """Describe a Slack channel error code in words, for the team's pause reason."""
    return CHANNEL_PROBLEMS.get(error, f"Slack rejected messages to the channel ({error})")

"""Decide whether a Slack user may run admin subcommands."""

from __future__ import annotations

import logging
from collections.abc import Collection

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import RightsizeError

_log = logging.getLogger(__name__)

# users.info flags of the people who administer a workspace.
ADMIN_FLAGS = ("is_admin", "is_owner", "is_primary_owner")


async def is_admin(client: AsyncWebClient, user_id: str, admin_ids: Collection[str]) -> bool:
    """Return True for a user listed in SLACK_ADMIN_IDS or flagged as a workspace admin.

    A listed user needs no users.info call. A failed lookup counts as "not an
    admin", so a Slack outage can never grant admin rights.
    """
    if user_id in admin_ids:
        return True
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        reason = str(error or f"HTTP {exc.response.status_code}")
        _log.warning("users.info for Slack user %s failed (%s)", user_id, reason)
        raise AdminCheckFailedError(reason) from None
    user = response.get("user")
    if not isinstance(user, dict):
        raise AdminCheckFailedError("users.info returned no user")
    return any(user.get(flag) is True for flag in ADMIN_FLAGS)


class AdminCheckFailedError(RightsizeError):
    """Slack could not tell whether the caller is an admin; nothing is granted or changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Slack could not confirm your admin rights ({reason}), so nothing was changed. "
            "Try again in a minute, or ask to be listed in SLACK_ADMIN_IDS."
        )
        self.reason = reason

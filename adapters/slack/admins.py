"""Decide whether a Slack user may run admin subcommands."""

from __future__ import annotations

import logging
from collections.abc import Collection

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

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
        _log.warning(
            "users.info for Slack user %s failed (%s); treating the user as no admin",
            user_id,
            exc.response.get("error"),
        )
        return False
    user = response.get("user") or {}
    return any(user.get(flag) is True for flag in ADMIN_FLAGS)

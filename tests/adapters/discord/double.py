"""Local test double of Discord's REST API and gateway for discord.py tests.

The double is an aiohttp server on 127.0.0.1 with an ephemeral port. It serves
the REST routes that discord.py 2.7 calls under ``/api/v10`` and a JSON gateway
WebSocket under ``/gateway`` (first connections) and ``/gateway/resume`` (the
``resume_gateway_url`` sent in READY). Tests drive it from the Discord side:
they dispatch interactions, inject faults and force disconnects, then read what
the real client sent back.

discord.py has no constructor option for either address, so
``point_discord_py_at`` sets the two class attributes that every request and
connection is built from (``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``) and restores them on exit.
The ``discord_double`` fixture starts the double and applies both.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import copy
import datetime
import enum
import json
import logging
import math
import re
import secrets
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
import yarl
from aiohttp import web
from aiohttp.typedefs import Handler

_log = logging.getLogger(__name__)

JSONObject = dict[str, Any]

# Defaults for the bot, its application and the sample guild. Every id is a
# valid snowflake, so discord.utils.snowflake_time works on it.
BOT_TOKEN: Final = "rightsize-test-bot-token"
APPLICATION_ID: Final = 1_300_000_000_000_000_001
BOT_USER_ID: Final = APPLICATION_ID  # The sample bot user has its application's id.
GUILD_ID: Final = 1_300_000_000_000_000_100
GENERAL_CHANNEL_ID: Final = 1_300_000_000_000_000_200
ADMIN_ROLE_ID: Final = 1_300_000_000_000_000_300
BOT_ROLE_ID: Final = 1_300_000_000_000_000_301
OWNER_USER_ID: Final = 1_300_000_000_000_000_400
ADMIN_USER_ID: Final = 1_300_000_000_000_000_401
MEMBER_USER_ID: Final = 1_300_000_000_000_000_402

API_VERSION: Final = 10
API_PREFIX: Final = f"/api/v{API_VERSION}"
GATEWAY_PATH: Final = "/gateway"
RESUME_GATEWAY_PATH: Final = "/gateway/resume"
DEFAULT_TIMEOUT: Final = 5.0  # seconds, for every wait helper in this module

# Discord's snowflake epoch: 2015-01-01T00:00:00Z in milliseconds.
DISCORD_EPOCH_MS: Final = 1_420_070_400_000

# Permission bits, taken from discord.py so the values match the library.
ALL_PERMISSIONS: Final = discord.Permissions.all().value
ADMINISTRATOR: Final = discord.Permissions(administrator=True).value
MANAGE_GUILD: Final = discord.Permissions(manage_guild=True).value  # 0x20
MANAGE_MESSAGES: Final = discord.Permissions(manage_messages=True).value
MENTION_EVERYONE: Final = discord.Permissions(mention_everyone=True).value
SEND_MESSAGES: Final = discord.Permissions(send_messages=True).value
VIEW_CHANNEL: Final = discord.Permissions(view_channel=True).value

# Message flags from Discord's message object documentation.
FLAG_SUPPRESS_EMBEDS: Final = 1 << 2
FLAG_EPHEMERAL: Final = 1 << 6
FLAG_LOADING: Final = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS: Final = 1 << 12
FLAG_IS_COMPONENTS_V2: Final = 1 << 15
_SENDABLE_FLAGS: Final = (
    FLAG_SUPPRESS_EMBEDS | FLAG_EPHEMERAL | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_IS_COMPONENTS_V2
)

# Interaction types and callback types from Discord's interaction docs.
INTERACTION_APPLICATION_COMMAND: Final = 2
INTERACTION_MESSAGE_COMPONENT: Final = 3
INTERACTION_AUTOCOMPLETE: Final = 4
INTERACTION_MODAL_SUBMIT: Final = 5
CALLBACK_CHANNEL_MESSAGE: Final = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE: Final = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE: Final = 6
CALLBACK_UPDATE_MESSAGE: Final = 7
CALLBACK_AUTOCOMPLETE_RESULT: Final = 8
CALLBACK_MODAL: Final = 9
_CALLBACKS_BY_INTERACTION_TYPE: Final[Mapping[int, frozenset[int]]] = {
    INTERACTION_APPLICATION_COMMAND: frozenset(
        {CALLBACK_CHANNEL_MESSAGE, CALLBACK_DEFERRED_CHANNEL_MESSAGE, CALLBACK_MODAL}
    ),
    INTERACTION_MESSAGE_COMPONENT: frozenset(
        {
            CALLBACK_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_UPDATE_MESSAGE,
            CALLBACK_UPDATE_MESSAGE,
            CALLBACK_MODAL,
        }
    ),
    INTERACTION_AUTOCOMPLETE: frozenset({CALLBACK_AUTOCOMPLETE_RESULT}),
    INTERACTION_MODAL_SUBMIT: frozenset(
        {
            CALLBACK_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_UPDATE_MESSAGE,
            CALLBACK_UPDATE_MESSAGE,
        }
    ),
}

# Message types: DEFAULT, REPLY and CHAT_INPUT_COMMAND.
MESSAGE_DEFAULT: Final = 0
MESSAGE_REPLY: Final = 19
MESSAGE_CHAT_INPUT_COMMAND: Final = 20

# Gateway opcodes and intents from Discord's gateway docs.
OP_DISPATCH: Final = 0
OP_HEARTBEAT: Final = 1
OP_IDENTIFY: Final = 2
OP_PRESENCE_UPDATE: Final = 3
OP_VOICE_STATE_UPDATE: Final = 4
OP_RESUME: Final = 6
OP_RECONNECT: Final = 7
OP_REQUEST_GUILD_MEMBERS: Final = 8
OP_INVALID_SESSION: Final = 9
OP_HELLO: Final = 10
OP_HEARTBEAT_ACK: Final = 11
_CLIENT_OPS: Final = frozenset(
    {
        OP_HEARTBEAT,
        OP_IDENTIFY,
        OP_PRESENCE_UPDATE,
        OP_VOICE_STATE_UPDATE,
        OP_RESUME,
        OP_REQUEST_GUILD_MEMBERS,
    }
)
INTENT_GUILDS: Final = 1 << 0
PRIVILEGED_INTENTS: Final = (1 << 1) | (1 << 8) | (1 << 15)

# Gateway close codes that the double sends.
CLOSE_UNKNOWN_ERROR: Final = 4000
CLOSE_UNKNOWN_OPCODE: Final = 4001
CLOSE_DECODE_ERROR: Final = 4002
CLOSE_NOT_AUTHENTICATED: Final = 4003
CLOSE_AUTHENTICATION_FAILED: Final = 4004
CLOSE_ALREADY_AUTHENTICATED: Final = 4005
CLOSE_INVALID_SHARD: Final = 4010
CLOSE_INVALID_API_VERSION: Final = 4012
CLOSE_INVALID_INTENTS: Final = 4013
CLOSE_DISALLOWED_INTENTS: Final = 4014

# JSON error codes from Discord's API docs.
ERROR_UNKNOWN_CHANNEL: Final = 10003
ERROR_UNKNOWN_MEMBER: Final = 10007
ERROR_UNKNOWN_MESSAGE: Final = 10008
ERROR_UNKNOWN_USER: Final = 10013
ERROR_UNKNOWN_WEBHOOK: Final = 10015
ERROR_UNKNOWN_INTERACTION: Final = 10062
ERROR_UNKNOWN_APPLICATION_COMMAND: Final = 10063
ERROR_MISSING_ACCESS: Final = 50001
ERROR_CANNOT_EDIT_OTHER_USERS_MESSAGE: Final = 50005
ERROR_EMPTY_MESSAGE: Final = 50006
ERROR_MISSING_PERMISSIONS: Final = 50013
ERROR_INVALID_FORM_BODY: Final = 50035
ERROR_INVALID_JSON: Final = 50109
ERROR_ALREADY_ACKNOWLEDGED: Final = 40060

# Message and component limits from Discord's message and component docs, in
# characters. The double counts a character as Python does (one per code point),
# so a character outside the Basic Multilingual Plane counts once.
CONTENT_MAX: Final = 2000
EMBEDS_MAX: Final = 10
EMBED_TITLE_MAX: Final = 256
EMBED_DESCRIPTION_MAX: Final = 4096
EMBED_FIELDS_MAX: Final = 25
EMBED_FIELD_NAME_MAX: Final = 256
EMBED_FIELD_VALUE_MAX: Final = 1024
EMBED_FOOTER_MAX: Final = 2048
EMBED_AUTHOR_NAME_MAX: Final = 256
EMBEDS_TOTAL_MAX: Final = 6000  # title, description, fields, footer and author of all embeds
CUSTOM_ID_MAX: Final = 100
BUTTON_LABEL_MAX: Final = 80

_USER_MENTION: Final = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION: Final = re.compile(r"<@&(\d+)>")
_COMMAND_NAME: Final = re.compile(r"^[-_'\w]{1,32}$")

_current_call: contextvars.ContextVar[RestCall] = contextvars.ContextVar(
    "discord_double_current_call"
)


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


class SnowflakeFactory:
    """Generator of unique, increasing snowflakes stamped with the current time."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(stamp, self._last + 1)
        return self._last


# ---------------------------------------------------------------------------
# World configuration: users, roles, channels, members and guilds.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UserConfig:
    """A Discord user known to the double."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    def to_payload(self) -> JSONObject:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
        }


@dataclass(frozen=True)
class RoleConfig:
    """A guild role. The role whose id equals the guild id is @everyone."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0
    mentionable: bool = False
    bot_id: int | None = None  # set for the role Discord manages for a bot

    def to_payload(self) -> JSONObject:
        payload: JSONObject = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {
                "primary_color": 0,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.bot_id is not None,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            payload["tags"] = {"bot_id": str(self.bot_id)}
        return payload


ROLE_OVERWRITE: Final = 0
MEMBER_OVERWRITE: Final = 1


@dataclass(frozen=True)
class OverwriteConfig:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int = ROLE_OVERWRITE
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> JSONObject:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(frozen=True)
class ChannelConfig:
    """A guild channel. Type 0 is a text channel, 4 a category."""

    id: int
    name: str
    type: int = 0
    position: int = 0
    overwrites: tuple[OverwriteConfig, ...] = ()
    topic: str | None = None
    parent_id: int | None = None


@dataclass(frozen=True)
class MemberConfig:
    """A guild member: a user and the ids of its roles other than @everyone."""

    user: UserConfig
    role_ids: tuple[int, ...] = ()
    nick: str | None = None


@dataclass
class GuildConfig:
    """A guild as the double sends it in GUILD_CREATE.

    Changes made after a client has connected reach that client only through
    events that a test dispatches, as they would on Discord.
    """

    id: int
    name: str
    owner_id: int
    roles: list[RoleConfig]
    channels: list[ChannelConfig]
    members: list[MemberConfig]
    joined_at: str = field(default_factory=_now_iso)

    def everyone_role(self) -> RoleConfig:
        for role in self.roles:
            if role.id == self.id:
                return role
        raise ValueError(f"guild {self.id} has no @everyone role (a role with id {self.id})")

    def role(self, role_id: int) -> RoleConfig | None:
        return next((role for role in self.roles if role.id == role_id), None)

    def channel(self, channel_id: int) -> ChannelConfig | None:
        return next((ch for ch in self.channels if ch.id == channel_id), None)

    def member(self, user_id: int) -> MemberConfig | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def permissions_for(self, user_id: int, channel_id: int | None = None) -> int:
        """Compute a member's permissions in the order Discord's permission docs give.

        The owner and members with Administrator get every permission. Otherwise
        the base is @everyone plus the member's roles, and a channel's overwrites
        apply in order: @everyone, then all the member's roles, then the member.
        """
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.member(user_id)
        if member is None:
            return 0

        permissions = self.everyone_role().permissions
        for role_id in member.role_ids:
            role = self.role(role_id)
            if role is not None:
                permissions |= role.permissions
        if permissions & ADMINISTRATOR:
            return ALL_PERMISSIONS

        channel = self.channel(channel_id) if channel_id is not None else None
        if channel is None:
            return permissions

        overwrites = {(ow.type, ow.id): ow for ow in channel.overwrites}
        everyone = overwrites.get((ROLE_OVERWRITE, self.id))
        if everyone is not None:
            permissions = (permissions & ~everyone.deny) | everyone.allow
        role_allow = role_deny = 0
        for role_id in member.role_ids:
            overwrite = overwrites.get((ROLE_OVERWRITE, role_id))
            if overwrite is not None:
                role_allow |= overwrite.allow
                role_deny |= overwrite.deny
        permissions = (permissions & ~role_deny) | role_allow
        own = overwrites.get((MEMBER_OVERWRITE, user_id))
        if own is not None:
            permissions = (permissions & ~own.deny) | own.allow
        return permissions

    def channel_payload(self, channel: ChannelConfig) -> JSONObject:
        return {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(self.id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [ow.to_payload() for ow in channel.overwrites],
            "parent_id": None if channel.parent_id is None else str(channel.parent_id),
            "topic": channel.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def member_payload(self, member: MemberConfig, *, channel_id: int | None = None) -> JSONObject:
        """Build a guild member object, with ``permissions`` when a channel is given.

        Interaction payloads carry the member's permissions in that channel.
        """
        payload: JSONObject = {
            "user": member.user.to_payload(),
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(role_id) for role_id in member.role_ids],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if channel_id is not None:
            payload["permissions"] = str(self.permissions_for(member.user.id, channel_id))
        return payload

    def guild_create_payload(self) -> JSONObject:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": [],
            "roles": [role.to_payload() for role in self.roles],
            "emojis": [],
            "stickers": [],
            "joined_at": self.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [self.member_payload(member) for member in self.members],
            "channels": [
                {k: v for k, v in self.channel_payload(ch).items() if k != "guild_id"}
                for ch in self.channels
            ],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


BOT_USER: Final = UserConfig(id=BOT_USER_ID, username="rightsize", bot=True)
OWNER_USER: Final = UserConfig(id=OWNER_USER_ID, username="olive-owner")
ADMIN_USER: Final = UserConfig(id=ADMIN_USER_ID, username="ada-admin")
MEMBER_USER: Final = UserConfig(id=MEMBER_USER_ID, username="max-member")

EVERYONE_PERMISSIONS: Final = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    add_reactions=True,
    embed_links=True,
    attach_files=True,
    use_application_commands=True,
).value


def default_guild() -> GuildConfig:
    """Build the sample guild: an owner, an admin, a plain member and the bot.

    The admin role has only Manage Server (0x20), so tests can tell admins from
    other members by that bit. The channel "general" has no overwrites.
    """
    return GuildConfig(
        id=GUILD_ID,
        name="Rightsize Test Guild",
        owner_id=OWNER_USER_ID,
        roles=[
            RoleConfig(id=GUILD_ID, name="@everyone", permissions=EVERYONE_PERMISSIONS),
            RoleConfig(
                id=ADMIN_ROLE_ID, name="Rightsize Admin", permissions=MANAGE_GUILD, position=2
            ),
            RoleConfig(
                id=BOT_ROLE_ID,
                name="rightsize",
                permissions=EVERYONE_PERMISSIONS,
                position=1,
                bot_id=BOT_USER_ID,
            ),
        ],
        channels=[ChannelConfig(id=GENERAL_CHANNEL_ID, name="general")],
        members=[
            MemberConfig(user=OWNER_USER),
            MemberConfig(user=ADMIN_USER, role_ids=(ADMIN_ROLE_ID,)),
            MemberConfig(user=MEMBER_USER),
            MemberConfig(user=BOT_USER, role_ids=(BOT_ROLE_ID,)),
        ],
    )


# ---------------------------------------------------------------------------
# Records that tests read.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RestCall:
    """One REST request as the double received it.

    ``route`` is the path template without the API prefix, for example
    ``/channels/{channel_id}/messages``. ``body`` is the parsed JSON body, or
    the parsed ``payload_json`` part of a multipart body.
    """

    method: str
    path: str
    route: str
    path_params: dict[str, str]
    query: dict[str, str]
    authorization: str | None
    body: Any = None
    files: list[UploadedFile] = field(default_factory=list)
    status: int = 0
    response: Any = None
    # time.monotonic() when the double received the request.
    received_at: float = field(default_factory=time.monotonic)


@dataclass
class StoredMessage:
    """A message in the double's state, with the latest payload GET would return."""

    channel_id: int
    payload: JSONObject
    history: list[JSONObject] = field(default_factory=list)  # earlier versions
    allowed_mentions: JSONObject | None = None  # from the last create or edit
    deleted: bool = False
    interaction_id: int | None = None  # set for interaction responses

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def content(self) -> str:
        return str(self.payload["content"])

    @property
    def embeds(self) -> list[JSONObject]:
        return list(self.payload["embeds"])

    @property
    def components(self) -> list[JSONObject]:
        return list(self.payload["components"])

    @property
    def flags(self) -> int:
        return int(self.payload["flags"])

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in _walk_components(self.components) if "custom_id" in c]


@dataclass(frozen=True)
class InteractionCallback:
    """One POST to an interaction's callback route, accepted or rejected."""

    type: int
    data: JSONObject | None
    accepted: bool
    status: int
    error_code: int | None = None


@dataclass
class RateLimitRule:
    """An injected 429 for the next ``remaining`` calls of one route."""

    method: str
    route: str
    remaining: int
    retry_after: float
    is_global: bool = False
    hits: int = 0


class ChannelFault(enum.Enum):
    """Errors that every request to a channel's routes can be made to return."""

    UNKNOWN_CHANNEL = "unknown_channel"  # 404, code 10003
    MISSING_PERMISSIONS = "missing_permissions"  # 403, code 50013


@dataclass(frozen=True)
class CommandSync:
    """One bulk overwrite (PUT) of application commands."""

    guild_id: int | None
    commands: list[JSONObject]


class _ChangeSignal:
    """Wake-up for coroutines that wait until a condition on the double holds."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float, description: str
    ) -> None:
        async def wait() -> None:
            while not predicate():
                await self._event.wait()

        try:
            await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"Timed out after {timeout:g} s waiting for {description}."
            ) from None


class InteractionHandle:
    """An interaction that a test dispatched, and everything the bot sent for it."""

    def __init__(
        self,
        double: DiscordDouble,
        payload: JSONObject,
        *,
        source_message_id: int | None,
    ) -> None:
        self._double = double
        self.payload = payload
        self.id = int(payload["id"])
        self.token = str(payload["token"])
        self.type = int(payload["type"])
        self.channel_id = int(payload["channel_id"])
        self.guild_id = int(payload["guild_id"])
        self.user_id = int(payload["member"]["user"]["id"])
        self.source_message_id = source_message_id
        self.dispatched_at = time.monotonic()
        self.callbacks: list[InteractionCallback] = []  # every attempt, in order
        self.original_message_id: int | None = None
        self.followup_message_ids: list[int] = []
        self.original_edits: list[JSONObject] = []  # request bodies

    @property
    def callback(self) -> InteractionCallback | None:
        """The accepted callback, or None while the interaction is unacknowledged."""
        return next((cb for cb in self.callbacks if cb.accepted), None)

    @property
    def original_message(self) -> StoredMessage | None:
        if self.original_message_id is None:
            return None
        return self._double.find_message(self.original_message_id)

    @property
    def followups(self) -> list[StoredMessage]:
        messages = (self._double.find_message(mid) for mid in self.followup_message_ids)
        return [message for message in messages if message is not None]

    async def wait_for_callback(self, timeout: float = DEFAULT_TIMEOUT) -> InteractionCallback:
        """Wait for the accepted callback; a timeout names any rejected attempts."""
        try:
            await self._double.signal.wait_until(
                lambda: self.callback is not None,
                timeout,
                f"a callback for interaction {self.id}",
            )
        except TimeoutError as error:
            if not self.callbacks:
                raise
            codes = [attempt.error_code for attempt in self.callbacks]
            raise TimeoutError(
                f"{error} The double rejected attempts with codes {codes}."
            ) from None
        assert self.callback is not None
        return self.callback

    async def wait_for_followups(
        self, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> list[StoredMessage]:
        await self._double.signal.wait_until(
            lambda: len(self.followup_message_ids) >= count,
            timeout,
            f"{count} follow-up message(s) for interaction {self.id}",
        )
        return self.followups

    async def wait_for_original_edits(
        self, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> list[JSONObject]:
        await self._double.signal.wait_until(
            lambda: len(self.original_edits) >= count,
            timeout,
            f"{count} edit(s) of the original response to interaction {self.id}",
        )
        return list(self.original_edits)


# ---------------------------------------------------------------------------
# Gateway.
# ---------------------------------------------------------------------------


@dataclass
class GatewayConnectionRecord:
    """One WebSocket connection to the gateway, from open to close."""

    path: str
    query: dict[str, str]
    compress: str | None
    received_ops: list[int] = field(default_factory=list)
    identified: bool = False
    resumed: bool = False
    session_id: str | None = None
    server_close_code: int | None = None  # set when the double closed it
    client_close_code: int | None = None
    dropped: bool = False
    closed: bool = False


@dataclass(frozen=True)
class DispatchRecord:
    """A dispatch (op 0) that the double assigned a sequence number to."""

    event: str
    seq: int
    session_id: str
    data: JSONObject


class GatewaySession:
    """A gateway session: READY starts it, RESUME continues it on a new connection."""

    # Dispatches kept for replay on RESUME. A client further behind than this
    # gets INVALID_SESSION, as it would on Discord once its buffer is gone.
    REPLAY_LIMIT: Final = 1000

    def __init__(self, session_id: str, identify: JSONObject) -> None:
        self.session_id = session_id
        self.identify = identify
        self.intents = int(identify.get("intents", 0))
        shard = identify.get("shard")
        self.shard: tuple[int, int] | None = (shard[0], shard[1]) if shard else None
        self.seq = 0
        self.buffer: deque[JSONObject] = deque(maxlen=self.REPLAY_LIMIT)
        self.connection: _GatewayConnection | None = None
        self.resumable = True
        self.ended = False

    def covers_guild(self, guild_id: int) -> bool:
        if self.shard is None:
            return True
        shard_id, shard_count = self.shard
        return (guild_id >> 22) % shard_count == shard_id

    def next_dispatch(self, event: str, data: JSONObject) -> JSONObject:
        self.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.buffer.append(payload)
        return payload


class _GatewayConnection:
    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, record: GatewayConnectionRecord
    ) -> None:
        self.ws = ws
        self.request = request
        self.record = record
        self.session: GatewaySession | None = None
        # One zlib context per connection: zlib-stream shares the dictionary
        # across messages, and every message ends with a Z_SYNC_FLUSH marker.
        self._compressor = zlib.compressobj() if record.compress == "zlib-stream" else None
        # Held while sending, so sequence numbers go out in order and the
        # compressor processes messages in wire order.
        self.lock = asyncio.Lock()

    async def send_locked(self, payload: JSONObject) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        if self._compressor is None:
            await self.ws.send_str(text)
            return
        data = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        await self.ws.send_bytes(data)

    async def send(self, payload: JSONObject) -> None:
        async with self.lock:
            await self.send_locked(payload)

    async def close(self, code: int, reason: str) -> None:
        self.record.server_close_code = code
        await self.ws.close(code=code, message=reason.encode())


class Gateway:
    """The double's gateway: connection handling, dispatch and disconnect controls.

    NOTE: the double acknowledges heartbeats but never closes a connection for
    missing ones, so it cannot stand in for Discord's zombie-connection checks.
    """

    def __init__(self, double: DiscordDouble, *, heartbeat_interval_ms: int) -> None:
        self._double = double
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_privileged_intents = PRIVILEGED_INTENTS
        self.connections: list[GatewayConnectionRecord] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.dispatches: list[DispatchRecord] = []
        self.identify_payloads: list[JSONObject] = []
        self.resume_payloads: list[JSONObject] = []
        self.presence_updates: list[JSONObject] = []
        self.ready_count = 0
        self.resumed_count = 0
        self.rejected_resume_count = 0
        self.heartbeats_received = 0
        self._live: set[_GatewayConnection] = set()

    # -- connection handling ------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        record = GatewayConnectionRecord(
            path=request.path, query=query, compress=query.get("compress")
        )
        self.connections.append(record)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        connection = _GatewayConnection(ws, request, record)
        self._live.add(connection)
        self._double.signal.notify()
        _log.info("Gateway connection opened on %s with %s", request.path, query)
        try:
            await self._serve(connection)
        finally:
            self._live.discard(connection)
            self._on_closed(connection)
        return ws

    async def _serve(self, connection: _GatewayConnection) -> None:
        query_error = self._check_query(connection.record.query)
        if query_error is not None:
            await connection.close(*query_error)
            return
        hello = {
            "op": OP_HELLO,
            "d": {"heartbeat_interval": self.heartbeat_interval_ms},
            "s": None,
            "t": None,
        }
        await connection.send(hello)
        async for message in connection.ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                await self._receive(connection, message.data)
            elif message.type is aiohttp.WSMsgType.BINARY:
                await connection.close(CLOSE_DECODE_ERROR, "binary frames are not supported")
            if connection.ws.closed:
                break

    @staticmethod
    def _check_query(query: Mapping[str, str]) -> tuple[int, str] | None:
        version = query.get("v", str(API_VERSION))
        if version not in ("9", "10"):
            return CLOSE_INVALID_API_VERSION, f"API version {version} is not supported"
        encoding = query.get("encoding", "json")
        if encoding != "json":
            return CLOSE_DECODE_ERROR, f"encoding {encoding} is not supported by the double"
        compress = query.get("compress")
        if compress not in (None, "zlib-stream", "zstd-stream"):
            return CLOSE_DECODE_ERROR, f"compress={compress} is not a transport compression"
        if compress == "zstd-stream":
            # NOTE: the double has no zstd compressor, so it sends text frames.
            # discord.py parses text frames as plain JSON, but other clients may not.
            _log.warning("Client requested zstd-stream; sending uncompressed text frames")
        return None

    def _on_closed(self, connection: _GatewayConnection) -> None:
        record = connection.record
        record.closed = True
        record.client_close_code = connection.ws.close_code
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            # Discord ends a session when the client closes with 1000 or 1001.
            client_closed = record.server_close_code is None and not record.dropped
            if client_closed and connection.ws.close_code in (1000, 1001):
                session.ended = True
        _log.info(
            "Gateway connection on %s closed (server code %s, client code %s, dropped %s)",
            record.path,
            record.server_close_code,
            record.client_close_code,
            record.dropped,
        )
        self._double.signal.notify()

    async def _receive(self, connection: _GatewayConnection, text: str) -> None:
        try:
            payload = json.loads(text)
        except ValueError:
            await connection.close(CLOSE_DECODE_ERROR, "payload is not valid JSON")
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("op"), int):
            await connection.close(CLOSE_DECODE_ERROR, "payload has no integer op")
            return

        op = payload["op"]
        data = payload.get("d")
        connection.record.received_ops.append(op)
        if op == OP_HEARTBEAT:
            self.heartbeats_received += 1
            await connection.send({"op": OP_HEARTBEAT_ACK})
            self._double.signal.notify()
        elif op not in _CLIENT_OPS:
            await connection.close(CLOSE_UNKNOWN_OPCODE, f"unknown opcode {op}")
        elif op == OP_IDENTIFY:
            await self._identify(connection, data)
        elif op == OP_RESUME:
            await self._resume(connection, data)
        elif connection.session is None:
            await connection.close(CLOSE_NOT_AUTHENTICATED, "send IDENTIFY or RESUME first")
        elif op == OP_PRESENCE_UPDATE:
            if isinstance(data, dict):
                self.presence_updates.append(data)
        elif op == OP_VOICE_STATE_UPDATE:
            _log.info("Ignoring voice state update %s", data)
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._send_member_chunk(connection.session, data)

    async def _identify(self, connection: _GatewayConnection, data: Any) -> None:
        if connection.session is not None:
            await connection.close(CLOSE_ALREADY_AUTHENTICATED, "already identified")
            return
        if not isinstance(data, dict) or data.get("token") != self._double.token:
            await connection.close(CLOSE_AUTHENTICATION_FAILED, "invalid token in IDENTIFY")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await connection.close(CLOSE_INVALID_INTENTS, "IDENTIFY needs integer intents")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await connection.close(CLOSE_DISALLOWED_INTENTS, "privileged intent not enabled")
            return
        shard = data.get("shard")
        if shard is not None and not _is_valid_shard(shard):
            await connection.close(CLOSE_INVALID_SHARD, f"invalid shard {shard}")
            return

        self.identify_payloads.append(data)
        session = GatewaySession(secrets.token_hex(16), data)
        self.sessions[session.session_id] = session
        session.connection = connection
        connection.session = session
        connection.record.identified = True
        connection.record.session_id = session.session_id

        guilds = [g for g in self._double.guilds if session.covers_guild(g.id)]
        await self._send_dispatch(session, "READY", self._ready_payload(session, guilds))
        self.ready_count += 1
        self._double.signal.notify()
        if intents & INTENT_GUILDS:
            for guild in guilds:
                await self._send_dispatch(session, "GUILD_CREATE", guild.guild_create_payload())

    def _ready_payload(self, session: GatewaySession, guilds: list[GuildConfig]) -> JSONObject:
        user = self._double.bot_user.to_payload()
        user.update({"verified": True, "mfa_enabled": False, "flags": 0, "email": None})
        payload: JSONObject = {
            "v": API_VERSION,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self._double.resume_gateway_url,
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "application": {
                "id": str(self._double.application_id),
                "flags": self._double.application_flags,
            },
            "auth": {},
            "_trace": ["discord-double"],
        }
        if session.shard is not None:
            payload["shard"] = list(session.shard)
        return payload

    async def _resume(self, connection: _GatewayConnection, data: Any) -> None:
        if connection.session is not None:
            await connection.close(CLOSE_ALREADY_AUTHENTICATED, "already identified")
            return
        if not isinstance(data, dict) or data.get("token") != self._double.token:
            await connection.close(CLOSE_AUTHENTICATION_FAILED, "invalid token in RESUME")
            return
        self.resume_payloads.append(data)
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        if session is None or session.ended or not session.resumable:
            await self._reject_resume(connection, "session is unknown or not resumable")
            return
        oldest = session.buffer[0]["s"] if session.buffer else session.seq + 1
        if not isinstance(seq, int) or seq > session.seq or seq < oldest - 1:
            await self._reject_resume(connection, f"cannot replay from sequence {seq}")
            return

        async with connection.lock:
            previous = session.connection
            session.connection = connection
            connection.session = session
            connection.record.resumed = True
            connection.record.session_id = session.session_id
            for missed in [p for p in session.buffer if p["s"] > seq]:
                await connection.send_locked(missed)
            resumed = session.next_dispatch("RESUMED", {"_trace": ["discord-double"]})
            self._record_dispatch(session, resumed)
            await connection.send_locked(resumed)
        if previous is not None and previous is not connection and not previous.ws.closed:
            await previous.close(CLOSE_UNKNOWN_ERROR, "session resumed elsewhere")
        self.resumed_count += 1
        self._double.signal.notify()

    async def _reject_resume(self, connection: _GatewayConnection, reason: str) -> None:
        _log.info("Rejecting RESUME: %s", reason)
        self.rejected_resume_count += 1
        await connection.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
        self._double.signal.notify()

    async def _send_member_chunk(self, session: GatewaySession, data: Any) -> None:
        if not isinstance(data, dict):
            return
        guild = self._double.guild(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = guild.members
        user_ids = data.get("user_ids")
        if user_ids is not None:
            id_list = user_ids if isinstance(user_ids, list) else [user_ids]
            requested_ids = {int(user_id) for user_id in id_list}
            members = [m for m in members if m.user.id in requested_ids]
        elif data.get("query"):
            prefix = str(data["query"]).lower()
            members = [m for m in members if m.user.username.lower().startswith(prefix)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSONObject = {
            "guild_id": str(guild.id),
            "members": [guild.member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if "nonce" in data:
            chunk["nonce"] = data["nonce"]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_dispatch(self, session: GatewaySession, event: str, data: JSONObject) -> int:
        while True:
            connection = session.connection
            if connection is None:
                # Kept in the session buffer and replayed when the client resumes.
                payload = session.next_dispatch(event, data)
                self._record_dispatch(session, payload)
                return int(payload["s"])
            async with connection.lock:
                if session.connection is not connection:
                    continue
                payload = session.next_dispatch(event, data)
                self._record_dispatch(session, payload)
                try:
                    await connection.send_locked(payload)
                except ConnectionResetError:
                    _log.info("Dispatch %s seq %s kept for replay", event, payload["s"])
                return int(payload["s"])

    def _record_dispatch(self, session: GatewaySession, payload: JSONObject) -> None:
        self.dispatches.append(
            DispatchRecord(
                event=payload["t"],
                seq=payload["s"],
                session_id=session.session_id,
                data=payload["d"],
            )
        )

    # -- controls for tests -------------------------------------------------

    def active_sessions(self, guild_id: int | None = None) -> list[GatewaySession]:
        return [
            session
            for session in self.sessions.values()
            if not session.ended and (guild_id is None or session.covers_guild(guild_id))
        ]

    async def dispatch(
        self, event: str, data: JSONObject, *, guild_id: int | None = None
    ) -> list[int]:
        """Send a dispatch to every session that covers the guild; return the seqs.

        A session whose connection is down buffers the event and replays it on
        RESUME, as Discord does. That includes the session of a client that has
        closed, because discord.py 2.7 closes with code 4000, which keeps the
        session resumable.
        """
        sessions = self.active_sessions(guild_id)
        if not sessions:
            raise RuntimeError(
                f"No gateway session is open for {event}: start a discord.py client "
                "against the double and wait for READY first."
            )
        return [await self._send_dispatch(session, event, data) for session in sessions]

    def _identified_connections(self) -> list[_GatewayConnection]:
        return [c for c in self._live if c.session is not None and not c.ws.closed]

    async def disconnect(self, code: int = CLOSE_UNKNOWN_ERROR, *, resumable: bool = True) -> int:
        """Close every identified connection with ``code``; return how many.

        With ``resumable=False`` the sessions end, so a later RESUME gets
        INVALID_SESSION and the client has to identify again.
        """
        connections = self._identified_connections()
        for connection in connections:
            assert connection.session is not None
            connection.session.resumable = resumable
            await connection.close(code, "closed by the test double")
        return len(connections)

    def drop(self, *, resumable: bool = True) -> int:
        """Abort the TCP connection under every identified gateway connection.

        The client sees no close frame, as after a network failure.
        """
        connections = self._identified_connections()
        for connection in connections:
            assert connection.session is not None
            connection.session.resumable = resumable
            connection.record.dropped = True
            transport = connection.request.transport
            if transport is not None:
                transport.abort()
        return len(connections)

    async def send_reconnect(self) -> int:
        """Send op 7 RECONNECT to every identified connection."""
        connections = self._identified_connections()
        for connection in connections:
            await connection.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})
        return len(connections)

    async def invalidate_sessions(self, *, resumable: bool) -> int:
        """Send op 9 INVALID_SESSION to every identified connection.

        With ``resumable=False`` the sessions end, so the client identifies again.
        """
        connections = self._identified_connections()
        for connection in connections:
            assert connection.session is not None
            if not resumable:
                connection.session.ended = True
            message = {"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None}
            await connection.send(message)
        return len(connections)

    async def request_heartbeat(self) -> int:
        """Send op 1 HEARTBEAT, which requests an immediate heartbeat from the client."""
        connections = self._identified_connections()
        for connection in connections:
            assert connection.session is not None
            message = {"op": OP_HEARTBEAT, "d": connection.session.seq, "s": None, "t": None}
            await connection.send(message)
        return len(connections)

    async def wait_for_ready(self, count: int = 1, timeout: float = DEFAULT_TIMEOUT) -> None:
        await self._double.signal.wait_until(
            lambda: self.ready_count >= count, timeout, f"READY number {count}"
        )

    async def wait_for_resumed(self, count: int = 1, timeout: float = DEFAULT_TIMEOUT) -> None:
        await self._double.signal.wait_until(
            lambda: self.resumed_count >= count, timeout, f"RESUMED number {count}"
        )

    async def wait_for_heartbeats(self, count: int = 1, timeout: float = DEFAULT_TIMEOUT) -> None:
        await self._double.signal.wait_until(
            lambda: self.heartbeats_received >= count, timeout, f"{count} heartbeat(s)"
        )

    async def wait_for_connection_closed(
        self, index: int = -1, timeout: float = DEFAULT_TIMEOUT
    ) -> GatewayConnectionRecord:
        """Wait until connection number ``index`` (default the latest) has closed."""
        record = self.connections[index]
        await self._double.signal.wait_until(
            lambda: record.closed, timeout, f"gateway connection on {record.path} to close"
        )
        return record

    async def close_all(self) -> None:
        for connection in list(self._live):
            if not connection.ws.closed:
                await connection.close(1001, "test double shutting down")


def _is_valid_shard(shard: Any) -> bool:
    return (
        isinstance(shard, list)
        and len(shard) == 2
        and all(isinstance(part, int) for part in shard)
        and 0 <= shard[0] < shard[1]
    )


# ---------------------------------------------------------------------------
# REST helpers.
# ---------------------------------------------------------------------------


def _json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Build a JSON response with the bare ``application/json`` content type.

    discord.py 2.7 parses a body as JSON only when Content-Type is exactly
    ``application/json``, as Discord sends it, so aiohttp's default of
    ``application/json; charset=utf-8`` would reach it as a string.
    """
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def _error(status: int, code: int, message: str, errors: JSONObject | None = None) -> web.Response:
    body: JSONObject = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return _json_response(body, status=status)


def _form_error(field_name: str, error_code: str, message: str) -> web.Response:
    errors = {field_name: {"_errors": [{"code": error_code, "message": message}]}}
    return _error(400, ERROR_INVALID_FORM_BODY, "Invalid Form Body", errors)


def _unknown_message() -> web.Response:
    return _error(404, ERROR_UNKNOWN_MESSAGE, "Unknown Message")


def _walk_components(components: Sequence[JSONObject]) -> Iterator[JSONObject]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            yield accessory


def _number_components(components: list[JSONObject]) -> None:
    """Fill in missing component ``id`` fields, as Discord does, numbering from 1."""
    used = {c["id"] for c in _walk_components(components) if isinstance(c.get("id"), int)}
    next_id = 1
    for component in _walk_components(components):
        if isinstance(component.get("id"), int):
            continue
        while next_id in used:
            next_id += 1
        component["id"] = next_id
        used.add(next_id)


def _too_long(field_name: str, limit: int) -> web.Response:
    return _form_error(field_name, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _embed_text_lengths(embed: JSONObject) -> Iterator[tuple[str, int, int]]:
    """Yield (field path, length, limit) for every text of one embed."""
    yield "title", len(str(embed.get("title") or "")), EMBED_TITLE_MAX
    yield "description", len(str(embed.get("description") or "")), EMBED_DESCRIPTION_MAX
    for index, item in enumerate(embed.get("fields") or []):
        yield f"fields.{index}.name", len(str(item.get("name") or "")), EMBED_FIELD_NAME_MAX
        yield f"fields.{index}.value", len(str(item.get("value") or "")), EMBED_FIELD_VALUE_MAX
    footer = embed.get("footer") or {}
    yield "footer.text", len(str(footer.get("text") or "")), EMBED_FOOTER_MAX
    author = embed.get("author") or {}
    yield "author.name", len(str(author.get("name") or "")), EMBED_AUTHOR_NAME_MAX


def _validate_embeds(embeds: Sequence[JSONObject]) -> web.Response | None:
    if len(embeds) > EMBEDS_MAX:
        return _too_long("embeds", EMBEDS_MAX)
    total = 0
    for position, embed in enumerate(embeds):
        if len(embed.get("fields") or []) > EMBED_FIELDS_MAX:
            return _too_long(f"embeds.{position}.fields", EMBED_FIELDS_MAX)
        for path, length, limit in _embed_text_lengths(embed):
            if length > limit:
                return _too_long(f"embeds.{position}.{path}", limit)
            total += length
    if total > EMBEDS_TOTAL_MAX:
        return _form_error(
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBEDS_TOTAL_MAX}",
        )
    return None


def _validate_message_fields(body: JSONObject) -> web.Response | None:
    content = body.get("content")
    if content is not None and len(str(content)) > CONTENT_MAX:
        return _too_long("content", CONTENT_MAX)
    embeds = body.get("embeds")
    if embeds is not None:
        invalid_embeds = _validate_embeds(embeds)
        if invalid_embeds is not None:
            return invalid_embeds
    components = body.get("components") or []
    custom_ids = [c["custom_id"] for c in _walk_components(components) if "custom_id" in c]
    if any(len(str(custom_id)) > CUSTOM_ID_MAX for custom_id in custom_ids):
        return _form_error(
            "components",
            "BASE_TYPE_MAX_LENGTH",
            f"custom_id must be {CUSTOM_ID_MAX} or fewer in length.",
        )
    labels = [c["label"] for c in _walk_components(components) if "label" in c]
    if any(len(str(label)) > BUTTON_LABEL_MAX for label in labels):
        return _form_error(
            "components",
            "BASE_TYPE_MAX_LENGTH",
            f"label must be {BUTTON_LABEL_MAX} or fewer in length.",
        )
    if len(custom_ids) != len(set(custom_ids)):
        return _form_error(
            "components",
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    allowed = body.get("allowed_mentions")
    if isinstance(allowed, dict):
        parse = allowed.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and allowed.get(kind):
                return _form_error(
                    "allowed_mentions",
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )
    return None


def _referenced_message(double: DiscordDouble, reference: Any) -> StoredMessage | None:
    """Return the live message that a message_reference names, or None if it is gone."""
    if not isinstance(reference, dict) or not reference.get("message_id"):
        return None
    message = double.find_message(int(reference["message_id"]))
    if message is None or message.deleted:
        return None
    return message


def _is_empty_message(payload: JSONObject) -> bool:
    return not (
        payload.get("content")
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("attachments")
        or payload.get("sticker_items")
        or payload.get("poll")
    )


# ---------------------------------------------------------------------------
# The double.
# ---------------------------------------------------------------------------


class DiscordDouble:
    """An aiohttp server that plays Discord for one bot application.

    Start it with ``async with DiscordDouble() as double`` (or the
    ``discord_double`` fixture), then point discord.py at it with
    ``point_discord_py_at``.
    """

    def __init__(
        self,
        *,
        token: str = BOT_TOKEN,
        bot_user: UserConfig = BOT_USER,
        application_id: int = APPLICATION_ID,
        application_flags: int = 0,
        guilds: Sequence[GuildConfig] | None = None,
        heartbeat_interval_ms: int = 41_250,
        callback_deadline: float | None = 3.0,
        gateway_shards: int = 1,
    ) -> None:
        """Configure the double; nothing listens until ``start``.

        ``callback_deadline`` is how many seconds after dispatch an interaction
        accepts its first callback (Discord allows 3); None disables the check.
        ``gateway_shards`` is the shard count that GET /gateway/bot recommends.
        """
        self.token = token
        self.bot_user = bot_user
        self.application_id = application_id
        self.application_flags = application_flags
        self.guilds: list[GuildConfig] = list(guilds) if guilds is not None else [default_guild()]
        for guild in self.guilds:
            if guild.member(bot_user.id) is None:
                guild.members.append(MemberConfig(user=bot_user))
        self.callback_deadline = callback_deadline
        self.gateway_shards = gateway_shards
        self.snowflakes = SnowflakeFactory()
        self.signal = _ChangeSignal()
        self.gateway = Gateway(self, heartbeat_interval_ms=heartbeat_interval_ms)

        self.rest_calls: list[RestCall] = []
        self.unhandled_calls: list[RestCall] = []
        self.command_syncs: list[CommandSync] = []
        self.rate_limits: list[RateLimitRule] = []
        self._commands: dict[int | None, dict[int, JSONObject]] = {None: {}}
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._channel_faults: dict[int, ChannelFault] = {}
        self._failing_edits: set[tuple[int, int]] = set()
        self._interactions: dict[int, InteractionHandle] = {}
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle ----------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("The Discord double is already running.")
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(GATEWAY_PATH, self.gateway.handle)
        app.router.add_get(RESUME_GATEWAY_PATH, self.gateway.handle)
        self._add_rest_routes(app.router)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        _log.info("Discord double listening on %s", self.base_url)

    async def stop(self) -> None:
        runner = self._runner
        if runner is None:
            return
        await self.gateway.close_all()
        await runner.cleanup()
        self._runner = None
        _log.info("Discord double on port %s stopped", self._port)

    async def __aenter__(self) -> DiscordDouble:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("The Discord double is not running; call start() first.")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The value for ``DiscordWebSocket.DEFAULT_GATEWAY``, also sent by GET /gateway."""
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @property
    def resume_gateway_url(self) -> str:
        """The ``resume_gateway_url`` sent in READY."""
        return f"ws://127.0.0.1:{self.port}{RESUME_GATEWAY_PATH}"

    # -- state accessors ----------------------------------------------------

    def guild(self, guild_id: int) -> GuildConfig | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def _channel(self, channel_id: int) -> tuple[GuildConfig, ChannelConfig] | None:
        for guild in self.guilds:
            channel = guild.channel(channel_id)
            if channel is not None:
                return guild, channel
        return None

    def _user(self, user_id: int) -> UserConfig | None:
        if user_id == self.bot_user.id:
            return self.bot_user
        for guild in self.guilds:
            member = guild.member(user_id)
            if member is not None:
                return member.user
        return None

    def message(self, channel_id: int, message_id: int) -> StoredMessage:
        """Return a stored message; raise KeyError if the channel never had it."""
        try:
            return self._messages[channel_id][message_id]
        except KeyError:
            raise KeyError(f"channel {channel_id} has no message {message_id}") from None

    def find_message(self, message_id: int) -> StoredMessage | None:
        for messages in self._messages.values():
            if message_id in messages:
                return messages[message_id]
        return None

    def channel_messages(
        self, channel_id: int, *, include_ephemeral: bool = True, include_deleted: bool = False
    ) -> list[StoredMessage]:
        """Return a channel's messages, oldest first."""
        return [
            message
            for message in self._messages.get(channel_id, {}).values()
            if (include_ephemeral or not message.ephemeral)
            and (include_deleted or not message.deleted)
        ]

    def calls(self, method: str | None = None, route: str | None = None) -> list[RestCall]:
        """Return the REST calls that match ``method`` and the path template ``route``."""
        return [
            call
            for call in self.rest_calls
            if (method is None or call.method == method) and (route is None or call.route == route)
        ]

    async def wait_for_calls(
        self, method: str, route: str, count: int = 1, timeout: float = DEFAULT_TIMEOUT
    ) -> list[RestCall]:
        await self.signal.wait_until(
            lambda: len([c for c in self.calls(method, route) if c.status]) >= count,
            timeout,
            f"{count} completed {method} {route} call(s)",
        )
        return self.calls(method, route)

    def registered_commands(self, guild_id: int | None = None) -> list[JSONObject]:
        """Return the application commands for a guild, or the global ones."""
        return list(self._commands.get(guild_id, {}).values())

    def interaction(self, interaction_id: int) -> InteractionHandle:
        return self._interactions[interaction_id]

    def add_message(
        self,
        channel_id: int,
        content: str = "",
        *,
        author_id: int | None = None,
        embeds: Sequence[JSONObject] = (),
        components: Sequence[JSONObject] = (),
        flags: int = 0,
    ) -> StoredMessage:
        """Seed a message that already exists on "Discord", by default from the bot."""
        located = self._channel(channel_id)
        if located is None:
            raise ValueError(f"channel {channel_id} is not in any configured guild")
        author = self._user(author_id if author_id is not None else self.bot_user.id)
        if author is None:
            raise ValueError(f"user {author_id} is not a member of any configured guild")
        body: JSONObject = {
            "content": content,
            "embeds": list(embeds),
            "components": list(components),
            "flags": flags,
        }
        return self._create_message(channel_id, body, author=author, files=[])

    def delete_message(self, channel_id: int, message_id: int) -> None:
        """Delete a stored message, as a moderator would; its id stays unknown afterwards."""
        message = self.message(channel_id, message_id)
        message.deleted = True
        self.signal.notify()

    # -- fault injection ----------------------------------------------------

    def fail_channel(self, channel_id: int, fault: ChannelFault) -> None:
        """Make every request to ``/channels/{channel_id}/...`` return ``fault``."""
        self._channel_faults[channel_id] = fault

    def fail_message_edits(self, channel_id: int, message_id: int) -> None:
        """Make edits of one message return 404 Unknown Message (code 10008).

        Applies to PATCH on the channel route and on interaction webhook routes.
        """
        self._failing_edits.add((channel_id, message_id))

    def rate_limit(
        self,
        method: str,
        route: str,
        *,
        count: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> RateLimitRule:
        """Return 429 Too Many Requests for the next ``count`` calls of ``method route``.

        ``route`` is a template as listed in ``ROUTES``, for example
        ``/channels/{channel_id}/messages``; ``retry_after`` is in seconds.
        """
        if (method, route) not in ROUTES:
            known = ", ".join(f"{m} {r}" for m, r in sorted(ROUTES))
            raise ValueError(f"unknown route {method} {route}; known routes: {known}")
        rule = RateLimitRule(method, route, count, retry_after, is_global)
        self.rate_limits.append(rule)
        return rule

    def clear_faults(self) -> None:
        self._channel_faults.clear()
        self._failing_edits.clear()
        self.rate_limits.clear()

    # -- interactions -------------------------------------------------------

    def _interaction_base(
        self, interaction_type: int, channel_id: int, user_id: int
    ) -> tuple[JSONObject, GuildConfig]:
        located = self._channel(channel_id)
        if located is None:
            raise ValueError(f"channel {channel_id} is not in any configured guild")
        guild, channel = located
        member = guild.member(user_id)
        if member is None:
            raise ValueError(f"user {user_id} is not a member of guild {guild.id}")
        channel_payload = guild.channel_payload(channel)
        channel_payload["permissions"] = str(guild.permissions_for(user_id, channel_id))
        payload: JSONObject = {
            "id": str(self.snowflakes.next()),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "token": secrets.token_urlsafe(48),
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": channel_payload,
            "member": guild.member_payload(member, channel_id=channel_id),
            "app_permissions": str(guild.permissions_for(self.bot_user.id, channel_id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        return payload, guild

    async def _send_interaction(
        self, payload: JSONObject, guild_id: int, source_message_id: int | None
    ) -> InteractionHandle:
        handle = InteractionHandle(self, payload, source_message_id=source_message_id)
        self._interactions[handle.id] = handle
        await self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild_id)
        return handle

    async def dispatch_component_interaction(
        self,
        message: StoredMessage,
        custom_id: str,
        *,
        user_id: int = MEMBER_USER_ID,
        values: Sequence[str] | None = None,
    ) -> InteractionHandle:
        """Dispatch a click on, or a choice in, a component of a stored message.

        Raise ValueError if the message has no enabled component with that
        custom_id, because Discord would not send such an interaction.
        """
        component = next(
            (c for c in _walk_components(message.components) if c.get("custom_id") == custom_id),
            None,
        )
        if component is None:
            raise ValueError(
                f"message {message.id} has no component with custom_id {custom_id!r}; "
                f"it has {message.custom_ids()}"
            )
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} on message {message.id} is disabled")
        payload, guild = self._interaction_base(
            INTERACTION_MESSAGE_COMPONENT, message.channel_id, user_id
        )
        data: JSONObject = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = list(values)
        payload["data"] = data
        payload["message"] = copy.deepcopy(message.payload)
        return await self._send_interaction(payload, guild.id, message.id)

    async def click_button(
        self, message: StoredMessage, custom_id: str, *, user_id: int = MEMBER_USER_ID
    ) -> InteractionHandle:
        """Dispatch a button click (component type 2) on a stored message."""
        return await self.dispatch_component_interaction(message, custom_id, user_id=user_id)

    async def invoke_command(
        self,
        subcommand: str | None = None,
        options: Mapping[str, str | int | float | bool] | Sequence[JSONObject] | None = None,
        *,
        name: str = "rightsize",
        channel_id: int = GENERAL_CHANNEL_ID,
        user_id: int = MEMBER_USER_ID,
        focused: str | None = None,
        resolved: JSONObject | None = None,
    ) -> InteractionHandle:
        """Dispatch a chat input command, ``/name subcommand option:value ...``.

        ``subcommand`` may be ``"group sub"`` for a subcommand group. ``options``
        is a mapping of option names to values, or raw option objects. Naming a
        ``focused`` option sends an autocomplete interaction (type 4) instead.
        The command id comes from the commands the bot registered. A command
        that it never registered gets a new id and is sent as a global command.
        """
        interaction_type = INTERACTION_APPLICATION_COMMAND
        if focused is not None:
            interaction_type = INTERACTION_AUTOCOMPLETE
        payload, guild = self._interaction_base(interaction_type, channel_id, user_id)

        leaf_options = _build_options(options, focused)
        command_options = leaf_options
        if subcommand is not None:
            parts = subcommand.split()
            if len(parts) == 1:
                command_options = [{"name": parts[0], "type": 1, "options": leaf_options}]
            elif len(parts) == 2:
                inner = {"name": parts[1], "type": 1, "options": leaf_options}
                command_options = [{"name": parts[0], "type": 2, "options": [inner]}]
            else:
                raise ValueError(f"subcommand {subcommand!r} must be 'sub' or 'group sub'")

        data: JSONObject = {"name": name, "type": 1, "options": command_options}
        guild_command = self._find_command(guild.id, name)
        global_command = self._find_command(None, name)
        if guild_command is not None:
            data["id"] = guild_command["id"]
            data["guild_id"] = str(guild.id)
        elif global_command is not None:
            data["id"] = global_command["id"]
        else:
            data["id"] = str(self.snowflakes.next())
        if resolved is not None:
            data["resolved"] = resolved
        payload["data"] = data
        return await self._send_interaction(payload, guild.id, None)

    def _find_command(self, guild_id: int | None, name: str) -> JSONObject | None:
        commands = self._commands.get(guild_id, {}).values()
        return next((c for c in commands if c["name"] == name and c["type"] == 1), None)

    # -- messages -----------------------------------------------------------

    def _resolve_mentions(
        self, payload: JSONObject, allowed: JSONObject | None, author_id: int
    ) -> None:
        """Fill in ``mentions``, ``mention_roles`` and ``mention_everyone``.

        Without ``allowed_mentions`` Discord parses every mention in the content.
        With it, only the listed kinds and ids ping. @everyone, @here and roles
        that are not mentionable ping only if the author has Mention Everyone.
        """
        content = str(payload.get("content") or "")
        channel_id = int(payload["channel_id"])
        located = self._channel(channel_id)
        if allowed is None:
            parse = {"users", "roles", "everyone"}
            listed_users: set[int] = set()
            listed_roles: set[int] = set()
        else:
            parse = set(allowed.get("parse") or [])
            listed_users = {int(uid) for uid in allowed.get("users") or []}
            listed_roles = {int(rid) for rid in allowed.get("roles") or []}

        can_mention_everyone = False
        if located is not None:
            guild, _ = located
            can_mention_everyone = bool(
                guild.permissions_for(author_id, channel_id) & MENTION_EVERYONE
            )

        users: list[JSONObject] = []
        for match in _USER_MENTION.finditer(content):
            user_id = int(match.group(1))
            user = self._user(user_id)
            already = any(int(u["id"]) == user_id for u in users)
            if user is not None and not already and ("users" in parse or user_id in listed_users):
                users.append(user.to_payload())

        replied_user_allowed = allowed is None or bool(allowed.get("replied_user"))
        referenced = payload.get("referenced_message")
        if isinstance(referenced, dict) and replied_user_allowed:
            author = referenced["author"]
            if not any(u["id"] == author["id"] for u in users):
                users.append(author)

        roles: list[str] = []
        if located is not None:
            guild, _ = located
            for match in _ROLE_MENTION.finditer(content):
                role = guild.role(int(match.group(1)))
                if role is None or str(role.id) in roles:
                    continue
                if not ("roles" in parse or role.id in listed_roles):
                    continue
                if role.mentionable or can_mention_everyone:
                    roles.append(str(role.id))

        has_everyone = "@everyone" in content or "@here" in content
        payload["mentions"] = users
        payload["mention_roles"] = roles
        payload["mention_everyone"] = has_everyone and "everyone" in parse and can_mention_everyone

    def _attachments_for(self, files: Sequence[UploadedFile]) -> list[JSONObject]:
        attachments = []
        for upload in files:
            attachment_id = self.snowflakes.next()
            # NOTE: the double does not serve these URLs.
            url = f"{self.base_url}/attachments/{attachment_id}/{upload.filename}"
            attachments.append(
                {
                    "id": str(attachment_id),
                    "filename": upload.filename,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                    "content_type": upload.content_type,
                }
            )
        return attachments

    def _create_message(
        self,
        channel_id: int,
        body: JSONObject,
        *,
        author: UserConfig,
        files: Sequence[UploadedFile],
        message_type: int = MESSAGE_DEFAULT,
        interaction: InteractionHandle | None = None,
        extra_flags: int = 0,
    ) -> StoredMessage:
        components = copy.deepcopy(list(body.get("components") or []))
        _number_components(components)
        embeds = [{"type": "rich", **copy.deepcopy(e)} for e in body.get("embeds") or []]
        payload: JSONObject = {
            "id": str(self.snowflakes.next()),
            "channel_id": str(channel_id),
            "author": author.to_payload(),
            "content": str(body.get("content") or ""),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments_for(files),
            "embeds": embeds,
            "components": components,
            "reactions": [],
            "pinned": False,
            "type": message_type,
            "flags": (int(body.get("flags") or 0) & _SENDABLE_FLAGS) | extra_flags,
        }
        if "nonce" in body:
            payload["nonce"] = body["nonce"]
        if body.get("poll"):
            payload["poll"] = copy.deepcopy(body["poll"])

        reference = body.get("message_reference")
        referenced = _referenced_message(self, reference)
        if isinstance(reference, dict) and referenced is not None:
            payload["type"] = MESSAGE_REPLY
            payload["message_reference"] = {
                "type": 0,
                "message_id": str(reference["message_id"]),
                "channel_id": str(reference.get("channel_id") or channel_id),
            }
            payload["referenced_message"] = copy.deepcopy(referenced.payload)

        if interaction is not None:
            payload["webhook_id"] = str(self.application_id)
            payload["application_id"] = str(self.application_id)
            payload["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.payload["member"]["user"],
                "authorizing_integration_owners": interaction.payload[
                    "authorizing_integration_owners"
                ],
            }

        allowed = body.get("allowed_mentions")
        self._resolve_mentions(payload, allowed, author.id)
        message = StoredMessage(
            channel_id=channel_id,
            payload=payload,
            allowed_mentions=copy.deepcopy(allowed),
            interaction_id=None if interaction is None else interaction.id,
        )
        self._messages.setdefault(channel_id, {})[message.id] = message
        self.signal.notify()
        return message

    def _edit_message(
        self,
        message: StoredMessage,
        body: JSONObject,
        files: Sequence[UploadedFile],
        *,
        finish_loading: bool = False,
    ) -> web.Response | None:
        """Apply an edit request; return an error response if Discord would reject it."""
        invalid = _validate_message_fields(body)
        if invalid is not None:
            return invalid
        updated = copy.deepcopy(message.payload)
        if "content" in body:
            updated["content"] = str(body["content"] or "")
        if "embeds" in body:
            updated["embeds"] = [
                {"type": "rich", **copy.deepcopy(e)} for e in body["embeds"] or []
            ]
        if "components" in body:
            components = copy.deepcopy(list(body["components"] or []))
            _number_components(components)
            updated["components"] = components
        if "attachments" in body or files:
            # An edit lists the existing attachments to retain; without the
            # field, all of them stay. New files are added after them.
            retained = list(updated["attachments"])
            if "attachments" in body:
                listed_ids = {str(a.get("id")) for a in body["attachments"] or []}
                retained = [a for a in retained if a["id"] in listed_ids]
            updated["attachments"] = retained + self._attachments_for(files)
        if "flags" in body and body["flags"] is not None:
            # Only Suppress Embeds can change after sending.
            keep = updated["flags"] & ~FLAG_SUPPRESS_EMBEDS
            updated["flags"] = keep | (int(body["flags"]) & FLAG_SUPPRESS_EMBEDS)
        if finish_loading:
            updated["flags"] &= ~FLAG_LOADING
        else:
            updated["edited_timestamp"] = _now_iso()
        if _is_empty_message(updated):
            return _error(400, ERROR_EMPTY_MESSAGE, "Cannot send an empty message")

        allowed = body.get("allowed_mentions", message.allowed_mentions)
        author_id = int(updated["author"]["id"])
        self._resolve_mentions(updated, allowed, author_id)
        message.history.append(message.payload)
        message.payload = updated
        message.allowed_mentions = copy.deepcopy(allowed)
        self.signal.notify()
        return None

    # -- REST plumbing ------------------------------------------------------

    def _add_rest_routes(self, router: web.UrlDispatcher) -> None:
        handlers: dict[tuple[str, str], Handler] = {
            ("GET", "/users/@me"): self._get_current_user,
            ("GET", "/users/{user_id}"): self._get_user,
            ("GET", "/oauth2/applications/@me"): self._get_application,
            ("GET", "/applications/@me"): self._get_application,
            ("GET", "/gateway"): self._get_gateway,
            ("GET", "/gateway/bot"): self._get_gateway_bot,
            ("GET", "/guilds/{guild_id}"): self._get_guild,
            ("GET", "/guilds/{guild_id}/members/{user_id}"): self._get_member,
            ("GET", "/channels/{channel_id}"): self._get_channel,
            ("GET", "/channels/{channel_id}/messages"): self._list_messages,
            ("POST", "/channels/{channel_id}/messages"): self._post_message,
            ("GET", "/channels/{channel_id}/messages/{message_id}"): self._get_message,
            ("PATCH", "/channels/{channel_id}/messages/{message_id}"): self._patch_message,
            ("DELETE", "/channels/{channel_id}/messages/{message_id}"): self._delete_message,
            (
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
            ): self._post_callback,
            ("POST", "/webhooks/{application_id}/{interaction_token}"): self._post_followup,
            (
                "GET",
                "/webhooks/{application_id}/{interaction_token}/messages/{message_id}",
            ): self._get_webhook_message,
            (
                "PATCH",
                "/webhooks/{application_id}/{interaction_token}/messages/{message_id}",
            ): self._patch_webhook_message,
            (
                "DELETE",
                "/webhooks/{application_id}/{interaction_token}/messages/{message_id}",
            ): self._delete_webhook_message,
        }
        for scope in (
            "/applications/{application_id}",
            "/applications/{application_id}/guilds/{guild_id}",
        ):
            handlers[("GET", f"{scope}/commands")] = self._list_commands
            handlers[("PUT", f"{scope}/commands")] = self._put_commands
            handlers[("POST", f"{scope}/commands")] = self._post_command
            handlers[("GET", f"{scope}/commands/{{command_id}}")] = self._get_command
            handlers[("PATCH", f"{scope}/commands/{{command_id}}")] = self._patch_command
            handlers[("DELETE", f"{scope}/commands/{{command_id}}")] = self._delete_command
        assert set(handlers) == ROUTES, "ROUTES is out of date with the registered handlers"
        for (method, route), handler in handlers.items():
            router.add_route(method, API_PREFIX + route, handler)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)

        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else request.path
        call = RestCall(
            method=request.method,
            path=request.path,
            route=template.removeprefix(API_PREFIX),
            path_params=dict(request.match_info),
            query=dict(request.query),
            authorization=request.headers.get("Authorization"),
        )
        self.rest_calls.append(call)
        response = await self._handle_call(request, handler, call)
        call.status = response.status
        if isinstance(response, web.Response) and response.body is not None:
            with contextlib.suppress(ValueError, TypeError):
                call.response = json.loads(response.text or "null")
        if call.status >= 400:
            _log.info("%s %s -> %s %s", call.method, call.path, call.status, call.response)
        else:
            _log.debug("%s %s -> %s", call.method, call.path, call.status)
        self.signal.notify()
        return response

    async def _handle_call(
        self, request: web.Request, handler: Handler, call: RestCall
    ) -> web.StreamResponse:
        if resource_missing := request.match_info.http_exception:
            self.unhandled_calls.append(call)
            _log.warning("The double has no route for %s %s", call.method, call.path)
            status = resource_missing.status
            return _error(status, 0, f"{status}: {resource_missing.reason}")

        # Interaction routes authenticate with the token in the path, and
        # GET /gateway needs no authentication at all.
        public_route = call.route == "/gateway" or call.route.startswith(
            ("/interactions/", "/webhooks/")
        )
        if not public_route and call.authorization != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")

        try:
            call.body, call.files = await _read_body(request)
        except ValueError:
            return _error(400, ERROR_INVALID_JSON, "The request body contains invalid JSON.")

        limited = self._take_rate_limit(call)
        if limited is not None:
            return limited

        channel_id = call.path_params.get("channel_id")
        if channel_id is not None and int(channel_id) in self._channel_faults:
            fault = self._channel_faults[int(channel_id)]
            if fault is ChannelFault.UNKNOWN_CHANNEL:
                return _error(404, ERROR_UNKNOWN_CHANNEL, "Unknown Channel")
            return _error(403, ERROR_MISSING_PERMISSIONS, "Missing Permissions")

        token = _current_call.set(call)
        try:
            return await handler(request)
        finally:
            _current_call.reset(token)

    def _take_rate_limit(self, call: RestCall) -> web.Response | None:
        rule = next(
            (
                r
                for r in self.rate_limits
                if r.remaining > 0 and r.method == call.method and r.route == call.route
            ),
            None,
        )
        if rule is None:
            return None
        rule.remaining -= 1
        rule.hits += 1
        body = {
            "message": "You are being rate limited.",
            "retry_after": rule.retry_after,
            "global": rule.is_global,
        }
        headers = {
            "Retry-After": str(math.ceil(rule.retry_after)),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
            "X-RateLimit-Bucket": f"double-{abs(hash((rule.method, rule.route))):x}",
            "X-RateLimit-Scope": "global" if rule.is_global else "user",
            # discord.py treats a 429 without Via as a Cloudflare ban and does
            # not retry; Discord's own 429s carry this header.
            "Via": "1.1 google",
        }
        if rule.is_global:
            headers["X-RateLimit-Global"] = "true"
        return _json_response(body, status=429, headers=headers)

    # -- REST: users, application, gateway, guilds --------------------------

    async def _get_current_user(self, request: web.Request) -> web.StreamResponse:
        payload = self.bot_user.to_payload()
        payload.update(
            {
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "email": None,
                "locale": "en-US",
                "banner": None,
                "accent_color": None,
            }
        )
        return _json_response(payload)

    async def _get_user(self, request: web.Request) -> web.StreamResponse:
        user = self._user(int(request.match_info["user_id"]))
        if user is None:
            return _error(404, ERROR_UNKNOWN_USER, "Unknown User")
        return _json_response(user.to_payload())

    async def _get_application(self, request: web.Request) -> web.StreamResponse:
        owner = self._user(self.guilds[0].owner_id) if self.guilds else None
        return _json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_user.username,
                "icon": None,
                "description": "",
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": (owner or self.bot_user).to_payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": self.application_flags,
                "bot": self.bot_user.to_payload(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "approximate_guild_count": len(self.guilds),
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.StreamResponse:
        return _json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        identifies = len(self.gateway.identify_payloads)
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": self.gateway_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": max(0, 1000 - identifies),
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_guild(self, request: web.Request) -> web.StreamResponse:
        guild = self.guild(int(request.match_info["guild_id"]))
        if guild is None:
            return _error(403, ERROR_MISSING_ACCESS, "Missing Access")
        payload = guild.guild_create_payload()
        for key in ("channels", "members", "threads", "presences", "voice_states", "joined_at"):
            payload.pop(key, None)
        return _json_response(payload)

    async def _get_member(self, request: web.Request) -> web.StreamResponse:
        guild = self.guild(int(request.match_info["guild_id"]))
        if guild is None:
            return _error(403, ERROR_MISSING_ACCESS, "Missing Access")
        member = guild.member(int(request.match_info["user_id"]))
        if member is None:
            return _error(404, ERROR_UNKNOWN_MEMBER, "Unknown Member")
        return _json_response(guild.member_payload(member))

    # -- REST: channels and messages ----------------------------------------

    def _bot_channel_error(self, channel_id: int, needed: int) -> web.Response | None:
        located = self._channel(channel_id)
        if located is None:
            return _error(404, ERROR_UNKNOWN_CHANNEL, "Unknown Channel")
        guild, _ = located
        permissions = guild.permissions_for(self.bot_user.id, channel_id)
        if not permissions & VIEW_CHANNEL:
            return _error(403, ERROR_MISSING_ACCESS, "Missing Access")
        if needed & ~permissions:
            return _error(403, ERROR_MISSING_PERMISSIONS, "Missing Permissions")
        return None

    def _visible_message(self, channel_id: int, message_id: int) -> StoredMessage | None:
        message = self._messages.get(channel_id, {}).get(message_id)
        if message is None or message.deleted or message.ephemeral:
            return None
        return message

    async def _get_channel(self, request: web.Request) -> web.StreamResponse:
        channel_id = int(request.match_info["channel_id"])
        error = self._bot_channel_error(channel_id, 0)
        if error is not None:
            return error
        located = self._channel(channel_id)
        assert located is not None
        guild, channel = located
        return _json_response(guild.channel_payload(channel))

    async def _list_messages(self, request: web.Request) -> web.StreamResponse:
        channel_id = int(request.match_info["channel_id"])
        error = self._bot_channel_error(
            channel_id, discord.Permissions(read_message_history=True).value
        )
        if error is not None:
            return error
        query = request.query
        limit = max(1, min(100, int(query.get("limit", "50"))))
        messages = self.channel_messages(channel_id, include_ephemeral=False)
        if "before" in query:
            messages = [m for m in messages if m.id < int(query["before"])]
        if "after" in query:
            messages = [m for m in messages if m.id > int(query["after"])]
            newest_first = list(reversed(messages[:limit]))
        elif "around" in query:
            around = int(query["around"])
            older = [m for m in messages if m.id <= around][-(limit // 2 + 1) :]
            newer = [m for m in messages if m.id > around][: limit - len(older)]
            newest_first = list(reversed(older + newer))
        else:
            newest_first = list(reversed(messages))[:limit]
        return _json_response([m.payload for m in newest_first])

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        call = _current_call.get()
        channel_id = int(request.match_info["channel_id"])
        error = self._bot_channel_error(channel_id, SEND_MESSAGES)
        if error is not None:
            return error
        body = call.body if isinstance(call.body, dict) else {}
        invalid = _validate_message_fields(body)
        if invalid is not None:
            return invalid
        if _is_empty_message({**body, "attachments": call.files}):
            return _error(400, ERROR_EMPTY_MESSAGE, "Cannot send an empty message")
        reference = body.get("message_reference")
        if (
            isinstance(reference, dict)
            and _referenced_message(self, reference) is None
            and reference.get("fail_if_not_exists", True) is not False
        ):
            # Discord rejects a reply to a missing message unless the request
            # sets fail_if_not_exists to false; then it sends a plain message.
            return _form_error(
                "message_reference",
                "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                "Unknown message",
            )
        message = self._create_message(channel_id, body, author=self.bot_user, files=call.files)
        return _json_response(message.payload)

    async def _get_message(self, request: web.Request) -> web.StreamResponse:
        channel_id = int(request.match_info["channel_id"])
        error = self._bot_channel_error(channel_id, 0)
        if error is not None:
            return error
        message = self._visible_message(channel_id, int(request.match_info["message_id"]))
        if message is None:
            return _unknown_message()
        return _json_response(message.payload)

    async def _patch_message(self, request: web.Request) -> web.StreamResponse:
        call = _current_call.get()
        channel_id = int(request.match_info["channel_id"])
        message_id = int(request.match_info["message_id"])
        error = self._bot_channel_error(channel_id, 0)
        if error is not None:
            return error
        message = self._visible_message(channel_id, message_id)
        if message is None or (channel_id, message_id) in self._failing_edits:
            return _unknown_message()
        if int(message.payload["author"]["id"]) != self.bot_user.id:
            return _error(
                403,
                ERROR_CANNOT_EDIT_OTHER_USERS_MESSAGE,
                "Cannot edit a message authored by another user",
            )
        body = call.body if isinstance(call.body, dict) else {}
        rejected = self._edit_message(message, body, call.files)
        if rejected is not None:
            return rejected
        return _json_response(message.payload)

    async def _delete_message(self, request: web.Request) -> web.StreamResponse:
        channel_id = int(request.match_info["channel_id"])
        message = self._visible_message(channel_id, int(request.match_info["message_id"]))
        if message is None:
            return _unknown_message()
        own = int(message.payload["author"]["id"]) == self.bot_user.id
        error = self._bot_channel_error(channel_id, 0 if own else MANAGE_MESSAGES)
        if error is not None:
            return error
        message.deleted = True
        self.signal.notify()
        return web.Response(status=204)

    # -- REST: interaction callbacks and follow-ups -------------------------

    async def _post_callback(self, request: web.Request) -> web.StreamResponse:
        call = _current_call.get()
        handle = self._interactions.get(int(request.match_info["interaction_id"]))
        if handle is None or handle.token != request.match_info["interaction_token"]:
            return _error(404, ERROR_UNKNOWN_INTERACTION, "Unknown interaction")
        body = call.body if isinstance(call.body, dict) else {}
        callback_type = body.get("type")
        data = body.get("data")

        def reject(status: int, code: int, response: web.Response) -> web.Response:
            attempt = InteractionCallback(
                type=callback_type if isinstance(callback_type, int) else -1,
                data=data,
                accepted=False,
                status=status,
                error_code=code,
            )
            handle.callbacks.append(attempt)
            self.signal.notify()
            return response

        if handle.callback is not None:
            return reject(
                400,
                ERROR_ALREADY_ACKNOWLEDGED,
                _error(
                    400, ERROR_ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
                ),
            )
        late = (
            self.callback_deadline is not None
            and time.monotonic() - handle.dispatched_at > self.callback_deadline
        )
        if late:
            return reject(
                404,
                ERROR_UNKNOWN_INTERACTION,
                _error(404, ERROR_UNKNOWN_INTERACTION, "Unknown interaction"),
            )
        allowed_types = _CALLBACKS_BY_INTERACTION_TYPE.get(handle.type, frozenset())
        if callback_type not in allowed_types:
            return reject(
                400,
                ERROR_INVALID_FORM_BODY,
                _form_error(
                    "type",
                    "INTERACTION_CALLBACK_TYPE_INVALID",
                    f"Callback type {callback_type} is not valid for interaction type "
                    f"{handle.type}.",
                ),
            )

        message_data = data if isinstance(data, dict) else {}
        message: StoredMessage | None = None
        if callback_type in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            invalid = _validate_message_fields(message_data)
            if invalid is not None:
                return reject(400, ERROR_INVALID_FORM_BODY, invalid)
        if callback_type == CALLBACK_CHANNEL_MESSAGE:
            if _is_empty_message({**message_data, "attachments": call.files}):
                empty = _error(400, ERROR_EMPTY_MESSAGE, "Cannot send an empty message")
                return reject(400, ERROR_EMPTY_MESSAGE, empty)
            message = self._create_interaction_message(handle, message_data, call.files)
        elif callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            loading = {"flags": int(message_data.get("flags") or 0) & FLAG_EPHEMERAL}
            message = self._create_interaction_message(
                handle, loading, [], extra_flags=FLAG_LOADING
            )
        elif callback_type in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            # A modal submitted from a slash command has no message to update.
            source_id = handle.source_message_id
            message = self.find_message(source_id) if source_id is not None else None
            if message is None:
                return reject(404, ERROR_UNKNOWN_MESSAGE, _unknown_message())
            if callback_type == CALLBACK_UPDATE_MESSAGE:
                rejected = self._edit_message(message, message_data, call.files)
                if rejected is not None:
                    code = json.loads(rejected.text or "{}").get("code", 0)
                    return reject(rejected.status, code, rejected)

        if message is not None:
            handle.original_message_id = message.id
        handle.callbacks.append(
            InteractionCallback(type=callback_type, data=data, accepted=True, status=200)
        )
        self.signal.notify()
        _log.info("Interaction %s acknowledged with callback type %s", handle.id, callback_type)

        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        interaction: JSONObject = {
            "id": str(handle.id),
            "type": handle.type,
            "response_message_loading": callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": bool(message is not None and message.ephemeral),
        }
        result: JSONObject = {"interaction": interaction}
        if message is not None:
            interaction["response_message_id"] = str(message.id)
            result["resource"] = {"type": callback_type, "message": message.payload}
        return _json_response(result)

    def _create_interaction_message(
        self,
        handle: InteractionHandle,
        body: JSONObject,
        files: Sequence[UploadedFile],
        *,
        extra_flags: int = 0,
    ) -> StoredMessage:
        message_type = (
            MESSAGE_CHAT_INPUT_COMMAND
            if handle.type == INTERACTION_APPLICATION_COMMAND
            else MESSAGE_DEFAULT
        )
        return self._create_message(
            handle.channel_id,
            body,
            author=self.bot_user,
            files=files,
            message_type=message_type,
            interaction=handle,
            extra_flags=extra_flags,
        )

    def _webhook_handle(self, request: web.Request) -> InteractionHandle | web.Response:
        token = request.match_info["interaction_token"]
        handle = next((h for h in self._interactions.values() if h.token == token), None)
        application_id = request.match_info["application_id"]
        if handle is None or application_id != str(self.application_id):
            return _error(404, ERROR_UNKNOWN_WEBHOOK, "Unknown Webhook")
        if handle.callback is None:
            # Discord has no webhook for an interaction until its first callback.
            return _error(404, ERROR_UNKNOWN_WEBHOOK, "Unknown Webhook")
        return handle

    def _webhook_message(
        self, handle: InteractionHandle, message_id: str
    ) -> StoredMessage | web.Response:
        if message_id == "@original":
            target_id = handle.original_message_id
        elif message_id.isdigit():
            target_id = int(message_id)
            own_ids = [handle.original_message_id, *handle.followup_message_ids]
            if target_id not in own_ids:
                return _unknown_message()
        else:
            return _unknown_message()
        message = self.find_message(target_id) if target_id is not None else None
        if message is None or message.deleted:
            return _unknown_message()
        return message

    async def _post_followup(self, request: web.Request) -> web.StreamResponse:
        call = _current_call.get()
        handle = self._webhook_handle(request)
        if isinstance(handle, web.Response):
            return handle
        body = call.body if isinstance(call.body, dict) else {}
        invalid = _validate_message_fields(body)
        if invalid is not None:
            return invalid
        if _is_empty_message({**body, "attachments": call.files}):
            return _error(400, ERROR_EMPTY_MESSAGE, "Cannot send an empty message")

        original = handle.original_message
        assert handle.callback is not None
        deferred = handle.callback.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
        if deferred and original is not None and original.flags & FLAG_LOADING:
            # NOTE: after a type 5 deferral, Discord turns the first follow-up
            # into the loading message, which keeps the deferral's ephemeral
            # flag. This follows community reports, not the API reference.
            rejected = self._edit_message(original, body, call.files, finish_loading=True)
            if rejected is not None:
                return rejected
            message = original
        else:
            message = self._create_interaction_message(handle, body, call.files)
        handle.followup_message_ids.append(message.id)
        self.signal.notify()

        if request.query.get("wait", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        return _json_response(message.payload)

    async def _get_webhook_message(self, request: web.Request) -> web.StreamResponse:
        handle = self._webhook_handle(request)
        if isinstance(handle, web.Response):
            return handle
        message = self._webhook_message(handle, request.match_info["message_id"])
        if isinstance(message, web.Response):
            return message
        return _json_response(message.payload)

    async def _patch_webhook_message(self, request: web.Request) -> web.StreamResponse:
        call = _current_call.get()
        handle = self._webhook_handle(request)
        if isinstance(handle, web.Response):
            return handle
        message = self._webhook_message(handle, request.match_info["message_id"])
        if isinstance(message, web.Response):
            return message
        if (message.channel_id, message.id) in self._failing_edits:
            return _unknown_message()
        body = call.body if isinstance(call.body, dict) else {}
        finish_loading = bool(message.flags & FLAG_LOADING)
        rejected = self._edit_message(message, body, call.files, finish_loading=finish_loading)
        if rejected is not None:
            return rejected
        if message.id == handle.original_message_id:
            handle.original_edits.append(copy.deepcopy(body))
            self.signal.notify()
        return _json_response(message.payload)

    async def _delete_webhook_message(self, request: web.Request) -> web.StreamResponse:
        handle = self._webhook_handle(request)
        if isinstance(handle, web.Response):
            return handle
        message = self._webhook_message(handle, request.match_info["message_id"])
        if isinstance(message, web.Response):
            return message
        message.deleted = True
        self.signal.notify()
        return web.Response(status=204)

    # -- REST: application commands -----------------------------------------

    def _command_scope(self, request: web.Request) -> int | web.Response | None:
        if request.match_info["application_id"] != str(self.application_id):
            return _error(403, ERROR_MISSING_ACCESS, "Missing Access")
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return None
        if self.guild(int(guild_id)) is None:
            return _error(403, ERROR_MISSING_ACCESS, "Missing Access")
        return int(guild_id)

    def _normalize_command(
        self, body: JSONObject, guild_id: int | None, existing: JSONObject | None
    ) -> JSONObject:
        command = copy.deepcopy(body)
        command.setdefault("type", 1)
        command["id"] = existing["id"] if existing is not None else str(self.snowflakes.next())
        command["application_id"] = str(self.application_id)
        command["version"] = str(self.snowflakes.next())
        command.setdefault("description", "")
        command.setdefault("default_member_permissions", None)
        command.setdefault("nsfw", False)
        command.setdefault("name_localizations", None)
        command.setdefault("description_localizations", None)
        command.setdefault("contexts", None)
        command.setdefault("integration_types", [0])
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        else:
            command.setdefault("dm_permission", True)
        return command

    @staticmethod
    def _validate_command(body: Any) -> web.Response | None:
        if not isinstance(body, dict):
            return _form_error("_root", "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
        name = str(body.get("name", ""))
        command_type = body.get("type", 1)
        if not _COMMAND_NAME.match(name) or (command_type == 1 and name != name.lower()):
            return _form_error(
                "name", "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {name!r}."
            )
        if command_type == 1 and not 1 <= len(str(body.get("description", ""))) <= 100:
            return _form_error(
                "description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        if len(body.get("options") or []) > 25:
            return _form_error("options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        return None

    async def _list_commands(self, request: web.Request) -> web.StreamResponse:
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        return _json_response(self.registered_commands(scope))

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        call = _current_call.get()
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        if not isinstance(call.body, list):
            return _form_error("_root", "LIST_TYPE_CONVERT", "Only iterables may be used.")
        for body in call.body:
            invalid = self._validate_command(body)
            if invalid is not None:
                return invalid
        keys = [(body["name"], body.get("type", 1)) for body in call.body]
        if len(keys) != len(set(keys)):
            return _form_error(
                "_root",
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        current = self._commands.get(scope, {})
        by_key = {(c["name"], c["type"]): c for c in current.values()}
        replaced: dict[int, JSONObject] = {}
        for body in call.body:
            existing = by_key.get((body["name"], body.get("type", 1)))
            command = self._normalize_command(body, scope, existing)
            replaced[int(command["id"])] = command
        self._commands[scope] = replaced
        self.command_syncs.append(CommandSync(scope, list(replaced.values())))
        return _json_response(list(replaced.values()))

    async def _post_command(self, request: web.Request) -> web.StreamResponse:
        call = _current_call.get()
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        invalid = self._validate_command(call.body)
        if invalid is not None:
            return invalid
        commands = self._commands.setdefault(scope, {})
        key = (call.body["name"], call.body.get("type", 1))
        existing = next((c for c in commands.values() if (c["name"], c["type"]) == key), None)
        command = self._normalize_command(call.body, scope, existing)
        commands[int(command["id"])] = command
        return _json_response(command, status=200 if existing else 201)

    def _stored_command(
        self, request: web.Request
    ) -> tuple[int | None, JSONObject] | web.Response:
        scope = self._command_scope(request)
        if isinstance(scope, web.Response):
            return scope
        command = self._commands.get(scope, {}).get(int(request.match_info["command_id"]))
        if command is None:
            return _error(404, ERROR_UNKNOWN_APPLICATION_COMMAND, "Unknown application command")
        return scope, command

    async def _get_command(self, request: web.Request) -> web.StreamResponse:
        found = self._stored_command(request)
        if isinstance(found, web.Response):
            return found
        return _json_response(found[1])

    async def _patch_command(self, request: web.Request) -> web.StreamResponse:
        call = _current_call.get()
        found = self._stored_command(request)
        if isinstance(found, web.Response):
            return found
        scope, command = found
        merged = {**command, **(call.body if isinstance(call.body, dict) else {})}
        invalid = self._validate_command(merged)
        if invalid is not None:
            return invalid
        updated = self._normalize_command(merged, scope, command)
        self._commands[scope][int(updated["id"])] = updated
        return _json_response(updated)

    async def _delete_command(self, request: web.Request) -> web.StreamResponse:
        found = self._stored_command(request)
        if isinstance(found, web.Response):
            return found
        scope, command = found
        del self._commands[scope][int(command["id"])]
        return web.Response(status=204)


# Every (method, path template) the double serves under API_PREFIX.
ROUTES: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        ("GET", "/users/@me"),
        ("GET", "/users/{user_id}"),
        ("GET", "/oauth2/applications/@me"),
        ("GET", "/applications/@me"),
        ("GET", "/gateway"),
        ("GET", "/gateway/bot"),
        ("GET", "/guilds/{guild_id}"),
        ("GET", "/guilds/{guild_id}/members/{user_id}"),
        ("GET", "/channels/{channel_id}"),
        ("GET", "/channels/{channel_id}/messages"),
        ("POST", "/channels/{channel_id}/messages"),
        ("GET", "/channels/{channel_id}/messages/{message_id}"),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}"),
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"),
        ("POST", "/webhooks/{application_id}/{interaction_token}"),
        ("GET", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}"),
        ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}"),
        ("DELETE", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}"),
    }
    | {
        (method, f"{scope}{suffix}")
        for scope in (
            "/applications/{application_id}",
            "/applications/{application_id}/guilds/{guild_id}",
        )
        for method, suffix in (
            ("GET", "/commands"),
            ("PUT", "/commands"),
            ("POST", "/commands"),
            ("GET", "/commands/{command_id}"),
            ("PATCH", "/commands/{command_id}"),
            ("DELETE", "/commands/{command_id}"),
        )
    }
)


def _build_options(
    options: Mapping[str, str | int | float | bool] | Sequence[JSONObject] | None,
    focused: str | None,
) -> list[JSONObject]:
    if options is None:
        built: list[JSONObject] = []
    elif isinstance(options, Mapping):
        built = [_option(name, value) for name, value in options.items()]
    else:
        built = [copy.deepcopy(dict(option)) for option in options]
    if focused is not None:
        target = next((o for o in built if o["name"] == focused), None)
        if target is None:
            raise ValueError(f"focused option {focused!r} is not among the options")
        target["focused"] = True
    return built


def _option(name: str, value: str | int | float | bool) -> JSONObject:
    # bool before int, because bool is a subclass of int.
    if isinstance(value, bool):
        option_type = 5
    elif isinstance(value, int):
        option_type = 4
    elif isinstance(value, float):
        option_type = 10
    else:
        option_type = 3
    return {"name": name, "type": option_type, "value": value}


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """Parse a JSON body, or the payload_json and file parts of a multipart body.

    Raise ValueError when the JSON is invalid.
    """
    if request.content_type == "multipart/form-data":
        form = await request.post()
        files: list[UploadedFile] = []
        body: Any = None
        for name, value in form.items():
            if isinstance(value, web.FileField):
                with value.file as stream:
                    data = stream.read()
                files.append(UploadedFile(name, value.filename, value.content_type, data))
            elif name == "payload_json":
                body = json.loads(str(value))
        return body, files
    if not request.body_exists:
        return None, []
    text = await request.text()
    return (json.loads(text) if text else None), []


# ---------------------------------------------------------------------------
# Wiring discord.py to the double.
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def point_discord_py_at(double: DiscordDouble) -> Iterator[None]:
    """Route discord.py's REST requests and first gateway connection to the double.

    discord.py 2.7 builds every REST URL, webhooks and interaction callbacks
    included, from ``discord.http.Route.BASE``. Every gateway connection made
    without a resume URL (the first, and any after a non-resumable INVALID
    SESSION) goes to ``DiscordWebSocket.DEFAULT_GATEWAY``. Both are class
    attributes with no public setter, so they are set here and restored on exit.
    Resumes use READY's ``resume_gateway_url``, which the double fills with its
    own address.
    """
    route_class = discord.http.Route
    websocket_class = discord.gateway.DiscordWebSocket
    saved_base = route_class.BASE
    saved_gateway = websocket_class.DEFAULT_GATEWAY
    route_class.BASE = double.api_base
    websocket_class.DEFAULT_GATEWAY = yarl.URL(double.gateway_url)
    try:
        yield
    finally:
        route_class.BASE = saved_base
        websocket_class.DEFAULT_GATEWAY = saved_gateway


class NonLoopbackRequestError(RuntimeError):
    """A client session tried to reach a host other than 127.0.0.1."""


def loopback_only_trace() -> aiohttp.TraceConfig:
    """Build a trace config that raises NonLoopbackRequestError for other hosts.

    Pass it as ``discord.Client(http_trace=...)``. discord.py's REST calls,
    gateway connections and interaction webhooks share that client's session,
    so the check runs before any of them opens a connection. The error is not
    an aiohttp.ClientError, so discord.py's reconnect loop does not retry it.
    """

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: Any,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if params.url.host != "127.0.0.1":
            raise NonLoopbackRequestError(
                f"{params.method} {params.url} leaves the machine; only 127.0.0.1 is allowed"
            )

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return trace


def client_options(**overrides: Any) -> dict[str, Any]:
    """Return discord.Client keyword arguments for tests against the double.

    The defaults are the guilds intent only, a loopback guard as ``http_trace``
    and a ``guild_ready_timeout`` of 0.5 s (discord.py's default is 2 s), so
    on_ready fires soon after the double's GUILD_CREATE events. ``overrides``
    replace any of them or add other options.
    """
    options: dict[str, Any] = {
        "intents": discord.Intents(guilds=True),
        "guild_ready_timeout": 0.5,
        "http_trace": loopback_only_trace(),
    }
    options.update(overrides)
    return options


def guilds_only_client(**overrides: Any) -> discord.Client:
    """Build a discord.Client with ``client_options(**overrides)``."""
    return discord.Client(**client_options(**overrides))


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client, token: str = BOT_TOKEN, *, timeout: float = 10.0
) -> AsyncIterator[discord.Client]:
    """Start ``client`` against the double, wait for on_ready, and close it on exit.

    Raise the client's own error (for example LoginFailure) if it stops before
    on_ready or while the block runs, and TimeoutError if on_ready does not fire
    within ``timeout`` seconds.
    """
    async with client:
        runner = asyncio.create_task(client.start(token), name="discord-client")
        ready = asyncio.create_task(client.wait_until_ready(), name="discord-client-ready")
        try:
            done, _ = await asyncio.wait(
                {runner, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if runner in done:
                runner.result()
                raise RuntimeError("discord.py client stopped before on_ready")
            if ready not in done:
                raise TimeoutError(
                    f"discord.py client did not reach on_ready within {timeout:g} s"
                )
            yield client
        finally:
            ready.cancel()
            await asyncio.wait({ready})
            await client.close()
            await _finish_client_task(runner, timeout)
        error = None if runner.cancelled() else runner.exception()
        if error is not None:
            raise error


async def _finish_client_task(runner: asyncio.Task[None], timeout: float) -> None:
    """Wait for a closed client's start() task, cancelling it after ``timeout`` s."""
    done, _ = await asyncio.wait({runner}, timeout=timeout)
    if not done:
        _log.error("discord.py client task still running %g s after close", timeout)
        runner.cancel()
        await asyncio.wait({runner})
    elif not runner.cancelled() and runner.exception() is not None:
        # Reading the exception marks it retrieved; the caller decides to raise it.
        _log.info("discord.py client task ended with %r", runner.exception())


@pytest.fixture
async def discord_double() -> AsyncIterator[DiscordDouble]:
    """A running DiscordDouble with the sample guild, with discord.py pointed at it."""
    async with DiscordDouble() as double:
        with point_discord_py_at(double):
            yield double

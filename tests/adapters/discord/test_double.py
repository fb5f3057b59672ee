"""Tests of the Discord double, driven by the real discord.py client over loopback."""

from __future__ import annotations

import asyncio
import json
import zlib
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
import yarl
from discord import app_commands

from tests.adapters.discord.double import (
    APPLICATION_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MEMBER_USER_ID,
    RESUME_GATEWAY_PATH,
    ChannelFault,
    DiscordDouble,
    NonLoopbackRequestError,
    client_options,
    discord_double,
    guilds_only_client,
    loopback_only_trace,
    point_discord_py_at,
    running_client,
)

__all__ = ["discord_double"]  # the fixture is imported so that pytest finds it

VOTE_ROW: dict[str, Any] = {
    "type": 1,
    "components": [
        {"type": 2, "style": 1, "label": "Small model", "custom_id": "vote:small"},
        {"type": 2, "style": 1, "label": "Frontier model", "custom_id": "vote:frontier"},
    ],
}


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Small model", custom_id="vote:small")
    async def small(
        self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]
    ) -> None:
        await interaction.response.send_message("Vote recorded.", ephemeral=True)


class CloseRoundView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Close round", custom_id="round:close")
    async def close_round(
        self, interaction: discord.Interaction, button: discord.ui.Button[CloseRoundView]
    ) -> None:
        results = discord.Embed(title="Results", description="Small model wins.")
        await interaction.response.edit_message(content="Round closed.", embed=results, view=None)


class TallyView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Tally", custom_id="round:tally")
    async def tally(
        self, interaction: discord.Interaction, button: discord.ui.Button[TallyView]
    ) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="Tallied: 3 votes.")


class QuickReidentifyClient(discord.Client):
    """A client without discord.py's 5 s pause before a repeat IDENTIFY."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def reply_ephemerally(client: discord.Client) -> None:
    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Got it.", ephemeral=True)


def loopback_session() -> aiohttp.ClientSession:
    """Return a raw HTTP session that may reach only 127.0.0.1, with a 5 s timeout."""
    timeout = aiohttp.ClientTimeout(total=5.0)
    return aiohttp.ClientSession(trace_configs=[loopback_only_trace()], timeout=timeout)


def text_channel(client: discord.Client) -> discord.TextChannel:
    channel = client.get_channel(GENERAL_CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    return channel


# -- wiring ------------------------------------------------------------------


async def test_overrides_point_at_double(discord_double: DiscordDouble) -> None:
    rest_base = discord.http.Route.BASE
    assert rest_base == discord_double.api_base
    route = discord.http.Route("GET", "/users/@me")
    assert route.url == f"http://127.0.0.1:{discord_double.port}/api/v10/users/@me"
    default_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    assert default_gateway == yarl.URL(discord_double.gateway_url)
    assert default_gateway.host == "127.0.0.1"


async def test_overrides_restored_on_exit() -> None:
    saved_base = discord.http.Route.BASE
    saved_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with DiscordDouble() as double:
        with point_discord_py_at(double):
            pointed_base = discord.http.Route.BASE
            assert pointed_base == double.api_base
    restored_base = discord.http.Route.BASE
    restored_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    assert restored_base == saved_base
    assert restored_gateway == saved_gateway


async def test_loopback_guard_rejects_hostnames(discord_double: DiscordDouble) -> None:
    # The guard accepts only the literal 127.0.0.1. "localhost" still resolves
    # to this machine, so nothing leaves it even if the guard failed.
    async with loopback_session() as session:
        with pytest.raises(NonLoopbackRequestError):
            await session.get(f"http://localhost:{discord_double.port}/api/v10/gateway")
        async with session.get(f"{discord_double.api_base}/gateway") as response:
            assert response.status == 200
            assert await response.json() == {"url": discord_double.gateway_url}


# -- login and READY ---------------------------------------------------------


async def test_client_reaches_ready(discord_double: DiscordDouble) -> None:
    async with running_client(guilds_only_client()) as client:
        assert client.user is not None
        assert client.user.id == BOT_USER_ID
        assert client.application_id == APPLICATION_ID
        guild = client.get_guild(GUILD_ID)
        assert guild is not None
        assert not guild.unavailable
        assert isinstance(guild.get_channel(GENERAL_CHANNEL_ID), discord.TextChannel)
        assert guild.me.guild_permissions.send_messages
        assert guild.get_role(GUILD_ID) is not None

    logins = discord_double.calls("GET", "/users/@me")
    assert [call.authorization for call in logins] == [f"Bot {BOT_TOKEN}"]
    assert discord_double.calls("GET", "/oauth2/applications/@me")
    assert discord_double.unhandled_calls == []

    first = discord_double.gateway.connections[0]
    assert first.path == "/gateway"
    assert first.query["v"] == "10"
    assert first.query["encoding"] == "json"
    # discord.py requests zstd-stream instead when the zstandard package is
    # importable, and this environment does not have it.
    assert first.query["compress"] == "zlib-stream"
    assert discord_double.gateway.identify_payloads[0]["intents"] == 1
    assert discord_double.gateway.ready_count == 1
    # Client.close() requests code 1000, but the task polling the socket wakes
    # first and closes it with discord.py's default of 4000 (aiohttp 3.14).
    assert first.client_close_code == 4000


async def test_wrong_token_fails_login(discord_double: DiscordDouble) -> None:
    with pytest.raises(discord.LoginFailure):
        async with running_client(guilds_only_client(), "not-the-token"):
            pass
    logins = discord_double.calls("GET", "/users/@me")
    assert [call.status for call in logins] == [401]
    assert logins[0].response == {"message": "401: Unauthorized", "code": 0}
    assert discord_double.gateway.connections == []


async def test_autosharded_client_uses_gateway_bot(discord_double: DiscordDouble) -> None:
    client = discord.AutoShardedClient(**client_options())
    async with running_client(client):
        assert client.shard_count == 1
        assert client.get_guild(GUILD_ID) is not None
    assert discord_double.calls("GET", "/gateway/bot")
    assert discord_double.gateway.identify_payloads[0]["shard"] == [0, 1]


async def test_heartbeats_are_acknowledged() -> None:
    async with DiscordDouble(heartbeat_interval_ms=100) as double:
        with point_discord_py_at(double):
            async with running_client(guilds_only_client()) as client:
                await double.gateway.wait_for_heartbeats(3)
                assert client.latency < 1.0


# -- interactions --------------------------------------------------------------


async def test_button_click_gets_ephemeral_reply(discord_double: DiscordDouble) -> None:
    async with running_client(guilds_only_client()) as client:
        sent = await text_channel(client).send("Which model?", view=VoteView())
        stored = discord_double.message(GENERAL_CHANNEL_ID, sent.id)
        assert stored.custom_ids() == ["vote:small"]

        handle = await discord_double.click_button(stored, "vote:small")
        callback = await handle.wait_for_callback()

    assert callback.type == 4
    assert callback.data is not None
    assert callback.data["flags"] == 64
    assert callback.data["content"] == "Vote recorded."
    reply = handle.original_message
    assert reply is not None
    assert reply.ephemeral
    assert reply.interaction_id == handle.id
    assert handle.user_id == MEMBER_USER_ID


async def test_update_message_edits_source(discord_double: DiscordDouble) -> None:
    async with running_client(guilds_only_client()) as client:
        sent = await text_channel(client).send("Round open.", view=CloseRoundView())
        stored = discord_double.message(GENERAL_CHANNEL_ID, sent.id)
        handle = await discord_double.click_button(stored, "round:close")
        callback = await handle.wait_for_callback()

    assert callback.type == 7
    assert handle.original_message_id == sent.id
    assert stored.content == "Round closed."
    assert [embed["title"] for embed in stored.embeds] == ["Results"]
    assert stored.components == []
    assert stored.history[0]["content"] == "Round open."
    assert stored.payload["edited_timestamp"] is not None


async def test_deferred_update_then_edit(discord_double: DiscordDouble) -> None:
    async with running_client(guilds_only_client()) as client:
        sent = await text_channel(client).send("Round open.", view=TallyView())
        stored = discord_double.message(GENERAL_CHANNEL_ID, sent.id)
        handle = await discord_double.click_button(stored, "round:tally")
        callback = await handle.wait_for_callback()
        edits = await handle.wait_for_original_edits(1)

    assert callback.type == 6
    assert handle.original_message_id == sent.id
    assert [edit["content"] for edit in edits] == ["Tallied: 3 votes."]
    assert stored.content == "Tallied: 3 votes."
    assert stored.custom_ids() == ["round:tally"]


async def test_second_callback_rejected_with_40060(discord_double: DiscordDouble) -> None:
    # This client has no handler, so only the raw requests below respond.
    async with running_client(guilds_only_client()):
        stored = discord_double.add_message(GENERAL_CHANNEL_ID, "Pick one", components=[VOTE_ROW])
        handle = await discord_double.click_button(stored, "vote:frontier")
        url = f"{discord_double.api_base}/interactions/{handle.id}/{handle.token}/callback"
        async with loopback_session() as session:
            async with session.post(url, json={"type": 6}) as first:
                assert first.status == 204
            second_body = {"type": 4, "data": {"content": "again"}}
            async with session.post(url, json=second_body) as second:
                assert second.status == 400
                assert await second.json() == {
                    "message": "Interaction has already been acknowledged.",
                    "code": 40060,
                }
    assert [attempt.accepted for attempt in handle.callbacks] == [True, False]
    assert handle.callbacks[1].error_code == 40060


async def test_late_callback_is_unknown_interaction() -> None:
    async with DiscordDouble(callback_deadline=0.0) as double:
        with point_discord_py_at(double):
            client = guilds_only_client()
            reply_ephemerally(client)
            async with running_client(client):
                stored = double.add_message(GENERAL_CHANNEL_ID, "Pick", components=[VOTE_ROW])
                handle = await double.click_button(stored, "vote:small")
                await double.wait_for_calls(
                    "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
                )
    assert handle.callback is None
    assert [attempt.error_code for attempt in handle.callbacks] == [10062]


async def test_rightsize_command_defers_then_follows_up(
    discord_double: DiscordDouble,
) -> None:
    client = guilds_only_client()
    tree = app_commands.CommandTree(client)
    rightsize = app_commands.Group(name="rightsize", description="Rightsize practice rounds")

    @rightsize.command(name="start", description="Start a practice round")
    async def start(interaction: discord.Interaction, topic: str, rounds: int = 1) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"Started {topic} for {rounds} round(s).")
        await interaction.edit_original_response(content=f"Started {topic}, good luck.")

    guild = discord.Object(GUILD_ID)
    tree.add_command(rightsize, guild=guild)
    async with running_client(client):
        synced = await tree.sync(guild=guild)
        fetched = await tree.fetch_commands(guild=guild)
        handle = await discord_double.invoke_command("start", {"topic": "triage", "rounds": 3})
        callback = await handle.wait_for_callback()
        followups = await handle.wait_for_followups(1)
        edits = await handle.wait_for_original_edits(1)

    assert [command.name for command in synced] == ["rightsize"]
    assert [command.id for command in fetched] == [command.id for command in synced]
    sync = discord_double.command_syncs[-1]
    assert sync.guild_id == GUILD_ID
    assert [option["name"] for option in sync.commands[0]["options"]] == ["start"]
    assert handle.payload["data"]["guild_id"] == str(GUILD_ID)

    assert callback.type == 5
    assert callback.data == {"flags": 64}
    original = handle.original_message
    assert original is not None
    # The first follow-up after a deferral fills the loading message.
    assert [message.id for message in followups] == [original.id]
    assert [edit["content"] for edit in edits] == ["Started triage, good luck."]
    assert original.content == "Started triage, good luck."
    assert original.ephemeral
    assert original.flags & 128 == 0  # no longer loading
    assert original.history[-1]["content"] == "Started triage for 3 round(s)."


# -- messages and faults -------------------------------------------------------


async def test_allowed_mentions_none_recorded(discord_double: DiscordDouble) -> None:
    content = f"<@{MEMBER_USER_ID}> and @everyone: results are in"
    async with running_client(guilds_only_client()) as client:
        channel = text_channel(client)
        quiet = await channel.send(content, allowed_mentions=discord.AllowedMentions.none())
        loud = await channel.send(content)

    quiet_stored = discord_double.message(GENERAL_CHANNEL_ID, quiet.id)
    assert quiet_stored.allowed_mentions == {"parse": []}
    post = discord_double.calls("POST", "/channels/{channel_id}/messages")[0]
    assert post.body["allowed_mentions"] == {"parse": []}
    assert quiet_stored.payload["mentions"] == []
    assert quiet_stored.payload["mention_everyone"] is False
    assert quiet.mentions == []

    loud_stored = discord_double.message(GENERAL_CHANNEL_ID, loud.id)
    assert loud_stored.allowed_mentions is None
    assert [user.id for user in loud.mentions] == [MEMBER_USER_ID]
    # The sample guild does not give the bot Mention Everyone.
    assert loud.mention_everyone is False


@pytest.mark.parametrize(
    ("fault", "error", "status", "code"),
    [
        (ChannelFault.UNKNOWN_CHANNEL, discord.NotFound, 404, 10003),
        (ChannelFault.MISSING_PERMISSIONS, discord.Forbidden, 403, 50013),
    ],
)
async def test_channel_fault_raises(
    discord_double: DiscordDouble,
    fault: ChannelFault,
    error: type[discord.HTTPException],
    status: int,
    code: int,
) -> None:
    async with running_client(guilds_only_client()) as client:
        discord_double.fail_channel(GENERAL_CHANNEL_ID, fault)
        with pytest.raises(error) as raised:
            await text_channel(client).send("hello")
    assert raised.value.status == status
    assert raised.value.code == code
    assert discord_double.channel_messages(GENERAL_CHANNEL_ID) == []


async def test_failing_edit_is_unknown_message(discord_double: DiscordDouble) -> None:
    async with running_client(guilds_only_client()) as client:
        sent = await text_channel(client).send("version 1")
        discord_double.fail_message_edits(GENERAL_CHANNEL_ID, sent.id)
        with pytest.raises(discord.NotFound) as raised:
            await sent.edit(content="version 2")
    assert raised.value.code == 10008
    assert discord_double.message(GENERAL_CHANNEL_ID, sent.id).content == "version 1"


async def test_rate_limited_send_is_retried(discord_double: DiscordDouble) -> None:
    route = "/channels/{channel_id}/messages"
    rule = discord_double.rate_limit("POST", route, count=2, retry_after=0.05)
    async with running_client(guilds_only_client()) as client:
        sent = await text_channel(client).send("after the wait")
    assert [call.status for call in discord_double.calls("POST", route)] == [429, 429, 200]
    assert rule.hits == 2
    assert discord_double.message(GENERAL_CHANNEL_ID, sent.id).content == "after the wait"


def test_rate_limit_rejects_unknown_route() -> None:
    double = DiscordDouble()
    with pytest.raises(ValueError, match="unknown route"):
        double.rate_limit("POST", "/channels/{id}/messages")


# -- reconnects ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("close_code", "resumable", "outcome"),
    [
        (4000, True, "RESUMED"),
        (1001, True, "RESUMED"),
        (4009, False, "READY"),  # the RESUME is rejected, so the client identifies
    ],
)
async def test_server_close_outcome(
    discord_double: DiscordDouble, close_code: int, resumable: bool, outcome: str
) -> None:
    gateway = discord_double.gateway
    async with running_client(QuickReidentifyClient(**client_options())):
        await gateway.disconnect(close_code, resumable=resumable)
        if outcome == "RESUMED":
            await gateway.wait_for_resumed()
        else:
            await gateway.wait_for_ready(2)

    assert gateway.connections[0].server_close_code == close_code
    # Both a resume and the re-identify after a failed resume go to the
    # resume_gateway_url that READY named.
    assert gateway.connections[1].path == RESUME_GATEWAY_PATH
    if outcome == "RESUMED":
        assert gateway.ready_count == 1
        assert gateway.resumed_count == 1
        assert gateway.connections[1].resumed
    else:
        assert gateway.ready_count == 2
        assert gateway.resumed_count == 0
        assert gateway.rejected_resume_count == 1


async def test_dropped_connection_replays_events(discord_double: DiscordDouble) -> None:
    gateway = discord_double.gateway
    client = guilds_only_client()
    reply_ephemerally(client)
    async with running_client(client):
        resumed = asyncio.create_task(client.wait_for("resumed", timeout=5.0))
        stored = discord_double.add_message(GENERAL_CHANNEL_ID, "Pick", components=[VOTE_ROW])
        assert gateway.drop() == 1
        # Sent while the connection is down, so only the replay delivers it.
        handle = await discord_double.click_button(stored, "vote:small")
        await resumed
        callback = await handle.wait_for_callback()

    assert callback.type == 4
    assert gateway.connections[0].dropped
    assert gateway.connections[1].resumed
    assert gateway.ready_count == 1
    resume = gateway.resume_payloads[0]
    replayed = [d for d in gateway.dispatches if d.event == "INTERACTION_CREATE"]
    assert replayed[0].seq > resume["seq"]


async def test_invalid_session_reidentifies(discord_double: DiscordDouble) -> None:
    gateway = discord_double.gateway
    async with running_client(QuickReidentifyClient(**client_options())):
        assert await gateway.invalidate_sessions(resumable=False) == 1
        await gateway.wait_for_ready(2)
    assert gateway.resumed_count == 0
    assert len(gateway.identify_payloads) == 2
    # No resume happened, so discord.py goes back to DEFAULT_GATEWAY.
    assert gateway.connections[1].path == "/gateway"


async def test_reconnect_opcode_resumes(discord_double: DiscordDouble) -> None:
    gateway = discord_double.gateway
    async with running_client(guilds_only_client()):
        assert await gateway.send_reconnect() == 1
        await gateway.wait_for_resumed()
    assert gateway.connections[0].client_close_code == 4000
    assert gateway.ready_count == 1


# -- raw gateway protocol --------------------------------------------------------


async def test_gateway_zlib_stream_frames(discord_double: DiscordDouble) -> None:
    url = f"{discord_double.gateway_url}?v=10&encoding=json&compress=zlib-stream"
    inflater = zlib.decompressobj()
    async with (
        loopback_session() as session,
        session.ws_connect(url) as ws,
    ):
        hello_frame = await ws.receive(timeout=5.0)
        assert hello_frame.type is aiohttp.WSMsgType.BINARY
        assert hello_frame.data.endswith(b"\x00\x00\xff\xff")
        hello = json.loads(inflater.decompress(hello_frame.data))
        assert hello["op"] == 10
        assert hello["d"]["heartbeat_interval"] == 41_250

        await ws.send_json({"op": 1, "d": None})
        ack_frame = await ws.receive(timeout=5.0)
        assert json.loads(inflater.decompress(ack_frame.data)) == {"op": 11}


@pytest.mark.parametrize(
    ("query", "first_message", "close_code"),
    [
        ("v=10&encoding=etf", None, 4002),
        ("v=8&encoding=json", None, 4012),
        ("v=10&encoding=json", {"op": 2, "d": {"token": "wrong", "intents": 1}}, 4004),
        ("v=10&encoding=json", {"op": 3, "d": {"status": "online"}}, 4003),
        ("v=10&encoding=json", {"op": 42, "d": None}, 4001),
        ("v=10&encoding=json", {"op": 2, "d": {"token": BOT_TOKEN, "intents": 2}}, None),
    ],
)
async def test_gateway_close_codes(
    discord_double: DiscordDouble,
    query: str,
    first_message: dict[str, Any] | None,
    close_code: int | None,
) -> None:
    url = f"{discord_double.gateway_url}?{query}"
    async with (
        loopback_session() as session,
        session.ws_connect(url) as ws,
    ):
        if first_message is not None:
            hello = await ws.receive_json(timeout=5.0)
            assert hello["op"] == 10
            await ws.send_json(first_message)
        message = await ws.receive(timeout=5.0)
        if close_code is None:
            # Members (1 << 1) is privileged but allowed by default, so READY follows.
            assert message.type is aiohttp.WSMsgType.TEXT
            assert json.loads(message.data)["t"] == "READY"
        else:
            assert message.type is aiohttp.WSMsgType.CLOSE
            assert message.data == close_code


# -- limits and replies ------------------------------------------------------------


def _embed_with(part: str, size: int) -> discord.Embed:
    embed = discord.Embed(title="Limits")
    if part == "title":
        embed.title = "t" * size
    elif part == "description":
        embed.description = "d" * size
    elif part == "field name":
        embed.add_field(name="n" * size, value="v")
    elif part == "field value":
        embed.add_field(name="n", value="v" * size)
    elif part == "fields":
        for number in range(size):
            embed.add_field(name=f"n{number}", value="v")
    elif part == "footer":
        embed.set_footer(text="f" * size)
    elif part == "total":
        embed.description = "d" * 4000
        embed.set_footer(text="f" * (size - 4000 - len("Limits")))
    return embed


@pytest.mark.parametrize(
    ("part", "limit"),
    [
        ("title", 256),
        ("description", 4096),
        ("field name", 256),
        ("field value", 1024),
        ("fields", 25),
        ("footer", 2048),
        ("total", 6000),
    ],
)
async def test_embed_limits_enforced(discord_double: DiscordDouble, part: str, limit: int) -> None:
    async with running_client(guilds_only_client()) as client:
        channel = text_channel(client)
        await channel.send(embed=_embed_with(part, limit))
        with pytest.raises(discord.HTTPException) as raised:
            await channel.send(embed=_embed_with(part, limit + 1))

    assert raised.value.status == 400
    assert raised.value.code == 50035
    posts = discord_double.calls("POST", "/channels/{channel_id}/messages")
    assert [call.status for call in posts] == [200, 400]


async def test_embed_limits_count_characters(discord_double: DiscordDouble) -> None:
    wide = "\U0001f9ea"  # one character outside the Basic Multilingual Plane
    async with running_client(guilds_only_client()) as client:
        sent = await text_channel(client).send(embed=discord.Embed(title=wide * 256))

    stored = discord_double.message(GENERAL_CHANNEL_ID, sent.id)
    assert stored.embeds[0]["title"] == wide * 256


async def test_button_label_limit_enforced(discord_double: DiscordDouble) -> None:
    row = {
        "type": 1,
        "components": [{"type": 2, "style": 1, "label": "x" * 81, "custom_id": "too-long"}],
    }
    async with running_client(guilds_only_client()):
        url = f"{discord_double.api_base}/channels/{GENERAL_CHANNEL_ID}/messages"
        headers = {"Authorization": f"Bot {BOT_TOKEN}"}
        async with (
            loopback_session() as session,
            session.post(url, json={"components": [row]}, headers=headers) as response,
        ):
            assert response.status == 400
            body = await response.json()
    assert body["code"] == 50035
    assert "label" in json.dumps(body["errors"])


@pytest.mark.parametrize(
    ("fail_if_not_exists", "outcome"),
    [(None, "rejected"), (True, "rejected"), (False, "plain")],
)
async def test_reply_to_deleted_message(
    discord_double: DiscordDouble, fail_if_not_exists: bool | None, outcome: str
) -> None:
    async with running_client(guilds_only_client()) as client:
        channel = text_channel(client)
        original = await channel.send("question")
        discord_double.delete_message(GENERAL_CHANNEL_ID, original.id)
        reference = discord.MessageReference(message_id=original.id, channel_id=channel.id)
        if fail_if_not_exists is not None:
            reference.fail_if_not_exists = fail_if_not_exists
        if outcome == "rejected":
            with pytest.raises(discord.HTTPException) as raised:
                await channel.send("answer", reference=reference)
            assert raised.value.code == 50035
        else:
            sent = await channel.send("answer", reference=reference)
            stored = discord_double.message(GENERAL_CHANNEL_ID, sent.id)
            assert stored.payload["type"] == 0
            assert "message_reference" not in stored.payload

    live = discord_double.channel_messages(GENERAL_CHANNEL_ID)
    assert [message.content for message in live] == ([] if outcome == "rejected" else ["answer"])


async def test_rest_calls_carry_receive_time(discord_double: DiscordDouble) -> None:
    async with running_client(guilds_only_client()) as client:
        await text_channel(client).send("one")
        await text_channel(client).send("two")

    first, second = discord_double.calls("POST", "/channels/{channel_id}/messages")
    assert first.received_at <= second.received_at

"""Post and reveal rounds through a chat port: the steps of a team's day."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import date

from bot.engine import Engine, Reveal, RoundInfo, TeamInfo
from bot.ports import ChannelUnavailableError, ChatPort

_log = logging.getLogger(__name__)


class Cycle:
    """Reveal the open round and post the next one, for teams of any platform."""

    def __init__(self, engine: Engine, ports: Mapping[str, ChatPort]) -> None:
        self.engine = engine
        self.ports = dict(ports)

    def port_for(self, team: TeamInfo) -> ChatPort:
        port = self.ports.get(team.platform)
        if port is None:
            raise LookupError(f"no adapter is running for platform {team.platform!r}")
        return port

    async def post_round(self, team: TeamInfo, local_date: date) -> RoundInfo | None:
        """Claim the round of a local date and post it; None if it was claimed already."""
        opened = await asyncio.to_thread(self.engine.claim_round, team.id, local_date)
        if opened is None:
            return None
        port = self.port_for(team)
        try:
            ref = await port.post(team, opened.card)
        except ChannelUnavailableError as exc:
            await self._pause(team, exc)
            await asyncio.to_thread(self.engine.record_post_failure, opened.round.id)
            raise
        except Exception:
            attempts = await asyncio.to_thread(self.engine.record_post_failure, opened.round.id)
            _log.exception(
                "posting round %s to team %s failed (attempt %s)",
                opened.round.id,
                team.id,
                attempts,
            )
            raise
        await asyncio.to_thread(self.engine.mark_posted, opened.round.id, ref)
        _log.info("round %s posted: team %s, message %s", opened.round.id, team.id, ref)
        return await asyncio.to_thread(self.engine.get_round, opened.round.id)

    async def reveal_open_round(self, team: TeamInfo) -> Reveal | None:
        """Reveal the team's open round, if any, and publish it; None if there is none."""
        current = await asyncio.to_thread(self.engine.open_round, team.id)
        if current is None:
            return None
        revealed = await asyncio.to_thread(self.engine.reveal, current.id)
        if revealed is None:
            return None
        await self.publish_reveal(team, revealed)
        return revealed

    async def publish_reveal(self, team: TeamInfo, revealed: Reveal) -> None:
        """Edit the question message and post the reveal in reply, or on its own."""
        port = self.port_for(team)
        ref = revealed.round.message_ref
        try:
            if ref is None:
                await port.post(team, revealed.reveal)
            else:
                try:
                    await port.update(team, ref, revealed.closed_question)
                except ChannelUnavailableError:
                    raise
                except Exception:
                    _log.warning(
                        "editing the question of round %s failed; posting the reveal anyway",
                        revealed.round.id,
                        exc_info=True,
                    )
                await port.reply(team, ref, revealed.reveal)
        except ChannelUnavailableError as exc:
            await self._pause(team, exc)
            raise
        await asyncio.to_thread(self.engine.mark_reveal_posted, revealed.round.id)
        _log.info("round %s revealed in team %s", revealed.round.id, team.id)

    async def _pause(self, team: TeamInfo, exc: ChannelUnavailableError) -> None:
        await asyncio.to_thread(self.engine.set_paused, team.id, True, exc.reason)

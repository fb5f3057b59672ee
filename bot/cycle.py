"""Post and reveal rounds through a chat port: the steps of a team's day."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import date, timedelta

from bot.engine import MAX_POST_ATTEMPTS, Engine, Reveal, RoundInfo, TeamInfo
from bot.ports import ChannelUnavailableError, ChatPort

_log = logging.getLogger(__name__)

# After a failed post, other ticks wait this long before they retry it.
RETRY_AFTER = timedelta(seconds=30)


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

    async def run_day(self, team: TeamInfo, local_date: date) -> RoundInfo | None:
        """Claim the round of a local date, reveal earlier rounds, then post the question.

        Only the caller whose claim succeeds reveals and posts, so the reveal of
        yesterday always comes before today's question, once. Returns None when
        the date was claimed already.
        """
        opened = await asyncio.to_thread(self.engine.claim_round, team.id, local_date)
        if opened is None:
            return None

        earlier = await asyncio.to_thread(self.engine.open_rounds_before, team.id, local_date)
        for previous in earlier:
            try:
                await self.reveal_round(team, previous)
            except ChannelUnavailableError:
                raise
            except Exception:
                # Logged and counted in publish_reveal; a later tick retries it, and
                # today's question still goes out.
                continue

        await self.deliver(team, opened.round)
        return await asyncio.to_thread(self.engine.get_round, opened.round.id)

    async def deliver(self, team: TeamInfo, claimed: RoundInfo) -> bool:
        """Post a claimed round's question; on failure count the attempt and raise."""
        card = await asyncio.to_thread(self.engine.question_card, claimed.id)
        port = self.port_for(team)
        try:
            ref = await port.post(team, card)
        except ChannelUnavailableError as exc:
            await asyncio.to_thread(self.engine.record_post_failure, claimed.id, RETRY_AFTER)
            await self._pause(team, exc)
            raise
        except Exception:
            attempts = await asyncio.to_thread(
                self.engine.record_post_failure, claimed.id, RETRY_AFTER
            )
            if attempts >= MAX_POST_ATTEMPTS:
                _log.error(
                    "posting round %s to team %s failed %s times; giving up",
                    claimed.id,
                    team.id,
                    attempts,
                )
            else:
                _log.warning(
                    "posting round %s to team %s failed (attempt %s of %s); will retry",
                    claimed.id,
                    team.id,
                    attempts,
                    MAX_POST_ATTEMPTS,
                )
            raise
        await asyncio.to_thread(self.engine.mark_posted, claimed.id, ref)
        _log.info("round %s posted: team %s, message %s", claimed.id, team.id, ref)
        return True

    async def retry_unposted(self, team: TeamInfo) -> int:
        """Retry posting claimed rounds whose post failed; return how many were posted."""
        posted = 0
        for pending in await asyncio.to_thread(self.engine.unposted_rounds, team.id):
            if not await asyncio.to_thread(self.engine.acquire_post_retry, pending.id):
                continue
            _log.info("retrying the post of round %s to team %s", pending.id, team.id)
            await self.deliver(team, pending)
            posted += 1
        return posted

    async def retry_unpublished(self, team: TeamInfo) -> int:
        """Retry publishing reveals that failed; return how many were published."""
        published = 0
        for pending in await asyncio.to_thread(self.engine.unpublished_reveals, team.id):
            if not await asyncio.to_thread(self.engine.acquire_reveal_retry, pending.id):
                continue
            _log.info("retrying the reveal of round %s in team %s", pending.id, team.id)
            revealed = await asyncio.to_thread(self.engine.reveal_cards, pending.id)
            await self.publish_reveal(team, revealed)
            published += 1
        return published

    async def reveal_open_round(self, team: TeamInfo) -> Reveal | None:
        """Reveal the team's open round, if any, and publish it; None if there is none."""
        current = await asyncio.to_thread(self.engine.open_round, team.id)
        if current is None:
            return None
        return await self.reveal_round(team, current)

    async def reveal_round(self, team: TeamInfo, current: RoundInfo) -> Reveal | None:
        """Close one round and publish its reveal; None if another caller revealed it."""
        revealed = await asyncio.to_thread(self.engine.reveal, current.id)
        if revealed is None:
            return None
        if revealed.round.message_ref is None:
            # The question never reached the channel, so there is nothing to answer there.
            _log.warning("round %s closed without a posted question", current.id)
            return revealed
        await self.publish_reveal(team, revealed)
        return revealed

    async def publish_reveal(self, team: TeamInfo, revealed: Reveal) -> None:
        """Edit the question message and post the reveal in reply to it."""
        port = self.port_for(team)
        ref = revealed.round.message_ref
        assert ref is not None
        try:
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
            # Counted like any failure, so the retry after `resume` comes within RETRY_AFTER.
            await asyncio.to_thread(
                self.engine.record_reveal_failure, revealed.round.id, RETRY_AFTER
            )
            await self._pause(team, exc)
            raise
        except Exception:
            attempts = await asyncio.to_thread(
                self.engine.record_reveal_failure, revealed.round.id, RETRY_AFTER
            )
            _log.exception(
                "publishing the reveal of round %s in team %s failed (attempt %s of %s)",
                revealed.round.id,
                team.id,
                attempts,
                MAX_POST_ATTEMPTS,
            )
            raise
        await asyncio.to_thread(self.engine.mark_reveal_posted, revealed.round.id)
        _log.info("round %s revealed in team %s", revealed.round.id, team.id)

    async def _pause(self, team: TeamInfo, exc: ChannelUnavailableError) -> None:
        await asyncio.to_thread(self.engine.set_paused, team.id, True, exc.reason)

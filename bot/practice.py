"""The self-quiz: private practice answers of one person, kept apart from team rounds."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select

from bot import compose
from bot.cards import Card
from bot.clock import Clock
from bot.errors import NoScenarioError
from bot.scenarios import Scenario, ScenarioPool
from bot.scoring import BiasStats, Outcome, bias_stats
from bot.storage.database import Database
from bot.storage.models import PracticeAnswer, PracticeSitting
from bot.vocabulary import Choice, parse_choice


@dataclass(frozen=True)
class PracticeResult:
    """A stored self-quiz answer with its result card."""

    scenario: Scenario
    choice: Choice
    correct: bool
    card: Card


def _order_key(person: str, scenario_id: str) -> str:
    return hashlib.sha256(f"{person}\n{scenario_id}".encode()).hexdigest()


class Practice:
    """Self-quiz operations for any person, keyed by a platform-qualified id."""

    def __init__(self, *, database: Database, pool: ScenarioPool, clock: Clock) -> None:
        self.database = database
        self.pool = pool
        self.clock = clock

    def next_scenario(
        self, person: str, *, hidden: Collection[str] = (), shown: Collection[str] = ()
    ) -> Scenario | None:
        """Pick the next scenario: unseen first, then missed, then the longest ago.

        ``hidden`` contains open team scenarios, never offered; ``shown`` contains the
        ones already asked in this sitting, so a sitting has no repeats. Returns
        None when nothing is left.
        """
        latest = self._latest_answers(person)
        candidates = [
            scenario_id
            for scenario_id in self.pool.ids
            if scenario_id not in hidden and scenario_id not in shown
        ]
        unseen = [scenario_id for scenario_id in candidates if scenario_id not in latest]
        if unseen:
            # Each person meets the unseen scenarios in an order of their own.
            unseen.sort(key=lambda scenario_id: _order_key(person, scenario_id))
            return self.pool.scenarios[unseen[0]]
        missed = [scenario_id for scenario_id in candidates if not latest[scenario_id][1]]
        rest = [scenario_id for scenario_id in candidates if latest[scenario_id][1]]
        for group in (missed, rest):
            if group:
                group.sort(key=lambda scenario_id: latest[scenario_id][0])
                return self.pool.scenarios[group[0]]
        return None

    def start_sitting(self, person: str) -> None:
        """Begin a new sitting: the person's answers from now on are not asked again in it."""
        now = self.clock.now()
        with self.database.session() as session:
            sitting = session.get(PracticeSitting, person)
            if sitting is None:
                session.add(PracticeSitting(person=person, started_at=now))
            else:
                sitting.started_at = now

    def next_in_sitting(self, person: str, *, hidden: Collection[str] = ()) -> Scenario | None:
        """Pick the next scenario of the person's sitting; None when the sitting is done.

        The sitting is stored, so it carries over a restart and across processes.
        """
        with self.database.session() as session:
            started = session.scalar(
                select(PracticeSitting.started_at).where(PracticeSitting.person == person)
            )
            shown: set[str] = set()
            if started is not None:
                shown = set(
                    session.scalars(
                        select(PracticeAnswer.scenario_id).where(
                            PracticeAnswer.person == person,
                            PracticeAnswer.answered_at >= started,
                        )
                    )
                )
        return self.next_scenario(person, hidden=hidden, shown=shown)

    def _latest_answers(self, person: str) -> dict[str, tuple[int, bool]]:
        """Map each answered scenario id to (answer row id, whether it was right)."""
        with self.database.session() as session:
            rows = session.execute(
                select(
                    PracticeAnswer.id,
                    PracticeAnswer.scenario_id,
                    PracticeAnswer.choice,
                    PracticeAnswer.answer,
                )
                .where(PracticeAnswer.person == person)
                .order_by(PracticeAnswer.id)
            ).all()
        return {
            scenario_id: (row_id, choice == answer) for row_id, scenario_id, choice, answer in rows
        }

    def answer(
        self, person: str, scenario_id: str, choice: str, *, offer_next: bool = True
    ) -> PracticeResult:
        """Store a self-quiz answer and build the result card with the explanation."""
        picked = parse_choice(choice)
        scenario = self.pool.get(scenario_id)
        if scenario is None:
            raise NoScenarioError(scenario_id)
        with self.database.session() as session:
            session.add(
                PracticeAnswer(
                    person=person,
                    scenario_id=scenario.id,
                    choice=picked.value,
                    answer=scenario.answer.value,
                    answered_at=self.clock.now(),
                )
            )
        card = compose.practice_result_card(scenario, picked, offer_next=offer_next)
        return PracticeResult(
            scenario=scenario,
            choice=picked,
            correct=picked is scenario.answer,
            card=card,
        )

    def stats(self, person: str) -> BiasStats:
        """Compute a person's bias stats over their latest answer to each scenario."""
        with self.database.session() as session:
            rows = session.execute(
                select(
                    PracticeAnswer.scenario_id,
                    PracticeAnswer.answer,
                    PracticeAnswer.choice,
                )
                .where(PracticeAnswer.person == person)
                .order_by(PracticeAnswer.id)
            ).all()
        # Answers to scenarios of a pack that is no longer loaded are left out.
        latest = {
            scenario_id: (answer, choice)
            for scenario_id, answer, choice in rows
            if scenario_id in self.pool.scenarios
        }
        return bias_stats(
            Outcome(
                answer=Choice(answer),
                choice=Choice(choice),
                signals=self.pool.signals_of(scenario_id),
            )
            for scenario_id, (answer, choice) in latest.items()
        )

    def stats_card(self, person: str, title: str = "Your self-quiz bias stats") -> Card:
        return compose.stats_card(title, self.stats(person))

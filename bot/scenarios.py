"""Scenario files: the pydantic schema, the loader and the loaded pool."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.errors import ScenarioError, ScenarioFolderError
from bot.vocabulary import CONSTRAINT_SIGNALS, Choice, Diagnosis, Signal

# Platform limits every text must fit, so a pack that loads is a pack that posts.
SLACK_SECTION_MAX = 3000
DISCORD_DESCRIPTION_MAX = 4096
# A Slack header block takes 150 characters of plain text; Discord embed titles 256.
TITLE_MAX = 150
HOP_STEP_MAX = 200
TEXT_MAX = min(SLACK_SECTION_MAX, DISCORD_DESCRIPTION_MAX)

SHIPPED_FOLDER = Path(__file__).resolve().parent.parent / "scenarios"

# Phrases that would give the answer away if a story used them.
_ANSWER_PHRASES = (
    "slm",
    "llm",
    "hybrid",
    "small language model",
    "large language model",
    "frontier model",
    "small model",
    "big model",
)
_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,62}$"


class Hop(BaseModel):
    """One step of a hybrid pipeline, with the model it gets and what binds it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: Annotated[str, Field(min_length=3, max_length=HOP_STEP_MAX)]
    model: Choice
    diagnosis: Diagnosis

    @model_validator(mode="after")
    def _model_is_one_size(self) -> Self:
        if self.model is Choice.HYBRID:
            raise ValueError("a hop gets one model, slm or llm, not hybrid")
        return self


class Scenario(BaseModel):
    """One story with its answer, explanation, signals and diagnosis."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=_ID_PATTERN)]
    title: Annotated[str, Field(min_length=3, max_length=TITLE_MAX)]
    story: Annotated[str, Field(min_length=40, max_length=TEXT_MAX)]
    answer: Choice
    tempting: Choice
    signals: Annotated[list[Signal], Field(min_length=1)]
    diagnosis: Diagnosis | None = None
    hops: list[Hop] | None = None
    explanation: Annotated[str, Field(min_length=40, max_length=TEXT_MAX)]
    review_by: date

    @field_validator("title", "story", "explanation", mode="before")
    @classmethod
    def _reflow(cls, value: object) -> object:
        # Blank lines separate paragraphs; single line breaks inside a paragraph
        # come from wrapping the YAML and would show as hard breaks in chat.
        if not isinstance(value, str):
            return value
        paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", value)]
        return "\n\n".join(part for part in paragraphs if part)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(set(self.signals)) != len(self.signals):
            raise ValueError("signals: each signal may be listed once")
        if self.answer is Choice.HYBRID:
            self._check_hybrid()
        else:
            if self.hops is not None:
                raise ValueError("hops: only a hybrid answer has hops")
            if self.diagnosis is None:
                raise ValueError(
                    "diagnosis: required for an slm or llm answer "
                    "(distribution_shift or capability_ceiling)"
                )
            if Signal.HOPS_DIFFER in self.signals:
                raise ValueError("signals: hops_differ belongs to hybrid answers only")
        self._check_story_gives_nothing_away()
        return self

    def _check_hybrid(self) -> None:
        if self.diagnosis is not None:
            raise ValueError("diagnosis: a hybrid names one diagnosis per hop under hops")
        if not self.hops or len(self.hops) < 2:
            raise ValueError("hops: a hybrid answer needs at least two hops")
        models = {hop.model for hop in self.hops}
        if models != {Choice.SLM, Choice.LLM}:
            raise ValueError("hops: a hybrid needs at least one slm hop and one llm hop")
        if Signal.HOPS_DIFFER not in self.signals:
            raise ValueError("signals: a hybrid answer must list hops_differ")

    def _check_story_gives_nothing_away(self) -> None:
        for name in ("title", "story"):
            self._check_text_gives_nothing_away(name, getattr(self, name))

    @staticmethod
    def _check_text_gives_nothing_away(name: str, text: str) -> None:
        words = _words_only(text)
        # Constraint words such as budget and compliance are ordinary story detail.
        cues = [signal.label for signal in Signal if signal not in CONSTRAINT_SIGNALS]
        phrases = [*_ANSWER_PHRASES, *cues]
        for phrase in phrases:
            if re.search(rf"\b{re.escape(phrase)}\b", words):
                raise ValueError(
                    f"{name}: names {phrase!r} outright; describe the situation instead"
                )

    @property
    def diagnoses(self) -> list[tuple[str | None, Choice, Diagnosis]]:
        """List (hop step or None, model, diagnosis) for display."""
        if self.hops:
            return [(hop.step, hop.model, hop.diagnosis) for hop in self.hops]
        assert self.diagnosis is not None
        return [(None, self.answer, self.diagnosis)]


def _words_only(text: str) -> str:
    return re.sub(r"[-_]+", " ", text.lower())


@dataclass(frozen=True)
class ScenarioPool:
    """The scenarios loaded from the shipped folder and any extra packs, by id."""

    scenarios: dict[str, Scenario]
    sources: dict[str, Path]

    def __len__(self) -> int:
        return len(self.scenarios)

    def get(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)

    def signals_of(self, scenario_id: str) -> frozenset[Signal]:
        """Return a scenario's signals, or none if it is no longer loaded."""
        scenario = self.scenarios.get(scenario_id)
        return frozenset(scenario.signals) if scenario else frozenset()

    @property
    def ids(self) -> list[str]:
        return sorted(self.scenarios)


def load_file(path: Path) -> Scenario:
    """Load and validate one scenario file; raise ScenarioError naming file and field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot be read: {exc}"]) from None
    except yaml.YAMLError as exc:
        detail = str(exc).replace("\n", " ")
        raise ScenarioError([f"{path}: is not valid YAML: {detail}"]) from None
    if not isinstance(raw, dict):
        raise ScenarioError([f"{path}: expected a mapping of fields at the top level"])
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(
            [_describe(path, error) for error in exc.errors(include_url=False)]
        ) from None


def _describe(path: Path, error: object) -> str:
    assert isinstance(error, dict)
    location = ".".join(str(part) for part in error.get("loc", ())) or "(file)"
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    return f"{path}: {location}: {message}"


def scenario_files(folder: Path) -> list[Path]:
    """List the YAML files of a folder, sorted; raise ScenarioFolderError if unusable."""
    if not folder.exists():
        raise ScenarioFolderError(folder, "does not exist")
    if not folder.is_dir():
        raise ScenarioFolderError(folder, "is not a folder")
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not files:
        raise ScenarioFolderError(folder, "contains no .yaml scenario files")
    return files


def load_pool(folders: Iterable[Path]) -> ScenarioPool:
    """Load every scenario of the folders, reporting all problems at once."""
    scenarios: dict[str, Scenario] = {}
    sources: dict[str, Path] = {}
    problems: list[str] = []
    for folder in folders:
        for path in scenario_files(folder):
            try:
                scenario = load_file(path)
            except ScenarioError as exc:
                problems.extend(exc.problems)
                continue
            if scenario.id in scenarios:
                problems.append(
                    f"{path}: id: {scenario.id!r} is already used by "
                    f"{sources[scenario.id]}; ids must be unique across all packs"
                )
                continue
            scenarios[scenario.id] = scenario
            sources[scenario.id] = path
    if problems:
        raise ScenarioError(problems)
    return ScenarioPool(scenarios=scenarios, sources=sources)


def pool_folders(extra: Path | None) -> list[Path]:
    """Return the shipped folder followed by the configured extra pack, if any."""
    return [SHIPPED_FOLDER] if extra is None else [SHIPPED_FOLDER, extra]

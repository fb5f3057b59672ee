"""Scenario files: the pydantic schema, the loader and the loaded pool."""

from __future__ import annotations

import os
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
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.errors import ScenarioError, ScenarioFolderError
from bot.vocabulary import (
    BIG_MODEL_SIGNALS,
    CONSTRAINT_SIGNALS,
    SMALL_MODEL_SIGNALS,
    Choice,
    Diagnosis,
    Signal,
)

# Platform limits every text must fit, so a pack that loads is a pack that posts.
SLACK_SECTION_MAX = 3000
DISCORD_DESCRIPTION_MAX = 4096
# A Slack header block takes 150 characters of plain text; Discord embed titles 256.
TITLE_MAX = 150
HOP_STEP_MAX = 200
TEXT_MAX = min(SLACK_SECTION_MAX, DISCORD_DESCRIPTION_MAX)

SHIPPED_FOLDER = Path(__file__).resolve().parent.parent / "scenarios"

# Phrases that would give the answer away if a title or story used them.
_ANSWER_PHRASES = (
    "slm",
    "slms",
    "llm",
    "llms",
    "hybrid",
    "frontier",
    "small language model",
    "large language model",
    *(
        f"{size} {noun}"
        for size in ("small", "smaller", "tiny", "big", "bigger", "large", "larger")
        for noun in ("model", "models")
    ),
)
_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{2,62}")
# Word counts of a story and an explanation: long enough to carry the details an
# engineer weighs, short enough to read in a minute.
STORY_WORDS = (80, 180)
EXPLANATION_WORDS = (60, 150)


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

    id: str
    title: Annotated[str, Field(min_length=3, max_length=TITLE_MAX)]
    story: Annotated[str, Field(min_length=40, max_length=TEXT_MAX)]
    answer: Choice
    tempting: Choice
    signals: Annotated[list[Signal], Field(min_length=1)]
    diagnosis: Diagnosis | None = None
    hops: list[Hop] | None = None
    explanation: Annotated[str, Field(min_length=40, max_length=TEXT_MAX)]
    review_by: date

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID_PATTERN.fullmatch(value):
            raise ValueError(
                "expected 3 to 63 lowercase letters, digits and dashes, starting with a "
                f"letter or digit, such as bank-support-routing; got {value[:70]!r}"
            )
        return value

    @field_validator("story", "explanation")
    @classmethod
    def _word_count(cls, value: str, info: ValidationInfo) -> str:
        low, high = STORY_WORDS if info.field_name == "story" else EXPLANATION_WORDS
        count = len(value.split())
        if not low <= count <= high:
            raise ValueError(f"has {count} words; expected {low} to {high}")
        return value

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
            if self.answer is Choice.SLM and self.diagnosis is Diagnosis.CAPABILITY_CEILING:
                raise ValueError(
                    "diagnosis: a capability ceiling is what a small model cannot clear, "
                    "so an slm answer binds on distribution_shift"
                )
        self._check_signals_fit_answer()
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
        for hop in self.hops:
            if hop.model is Choice.SLM and hop.diagnosis is Diagnosis.CAPABILITY_CEILING:
                raise ValueError(
                    f"hops: the slm hop {hop.step[:40]!r} cannot bind on capability_ceiling, "
                    "which is what a small model cannot clear"
                )

    def _article(self) -> str:
        return "a hybrid" if self.answer is Choice.HYBRID else f"an {self.answer.value}"

    def _check_signals_fit_answer(self) -> None:
        small = SMALL_MODEL_SIGNALS.intersection(self.signals)
        big = BIG_MODEL_SIGNALS.intersection(self.signals)
        if self.answer in (Choice.SLM, Choice.HYBRID) and not small:
            raise ValueError(
                f"signals: {self._article()} answer needs a small-model signal "
                f"({', '.join(sorted(SMALL_MODEL_SIGNALS))})"
            )
        if self.answer in (Choice.LLM, Choice.HYBRID) and not big:
            raise ValueError(
                f"signals: {self._article()} answer needs a big-model signal "
                f"({', '.join(sorted(BIG_MODEL_SIGNALS))})"
            )

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
    location = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    # Checks across fields name their field at the start of the message.
    return f"{path}: {location}: {message}" if location else f"{path}: {message}"


def scenario_files(folder: Path) -> list[Path]:
    """List the YAML files of a folder, sorted; raise ScenarioFolderError if unusable."""
    if not folder.exists():
        reason = "is a broken or looping link" if os.path.lexists(folder) else "does not exist"
        raise ScenarioFolderError(folder, reason)
    if not folder.is_dir():
        raise ScenarioFolderError(folder, "is not a folder")
    try:
        files = sorted(
            path for path in folder.iterdir() if path.suffix.lower() in {".yaml", ".yml"}
        )
    except OSError as exc:
        raise ScenarioFolderError(folder, f"cannot be read ({exc.strerror})") from None
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

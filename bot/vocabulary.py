"""Closed vocabularies of the quiz: answers, signals and diagnoses."""

from __future__ import annotations

from enum import StrEnum

from bot.errors import UnknownChoiceError


class Choice(StrEnum):
    """One of the three answers, ordered by model size: slm < hybrid < llm."""

    SLM = "slm"
    HYBRID = "hybrid"
    LLM = "llm"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_RANKS = {Choice.SLM: 0, Choice.HYBRID: 1, Choice.LLM: 2}
_LABELS = {
    Choice.SLM: "Small model",
    Choice.HYBRID: "Hybrid",
    Choice.LLM: "Frontier model",
}

# Words a person may type for each choice, besides the menu numbers 1, 2 and 3.
_ALIASES = {
    "1": Choice.SLM,
    "slm": Choice.SLM,
    "small": Choice.SLM,
    "2": Choice.HYBRID,
    "hybrid": Choice.HYBRID,
    "both": Choice.HYBRID,
    "3": Choice.LLM,
    "llm": Choice.LLM,
    "frontier": Choice.LLM,
    "big": Choice.LLM,
}


def parse_choice(text: str) -> Choice:
    """Parse a typed or clicked choice; raise UnknownChoiceError for anything else."""
    choice = _ALIASES.get(text.strip().lower())
    if choice is None:
        raise UnknownChoiceError(text)
    return choice


class Signal(StrEnum):
    """A named cue in a story that tips the answer."""

    NARROW_LABEL_SET = "narrow_label_set"
    KNOWN_SCHEMA = "known_schema"
    FIXED_VOCABULARY = "fixed_vocabulary"
    HIGH_VOLUME = "high_volume"
    TIGHT_LATENCY = "tight_latency"
    OWNED_INPUT_DISTRIBUTION = "owned_input_distribution"
    OPEN_ENDED_INPUT = "open_ended_input"
    MULTI_FACT_REASONING = "multi_fact_reasoning"
    LONG_CREATIVE_WRITING = "long_creative_writing"
    NOVEL_TASK = "novel_task"
    HOPS_DIFFER = "hops_differ"
    BUDGET = "budget"
    LATENCY_SLA = "latency_sla"
    RISK_TOLERANCE = "risk_tolerance"
    COMPLIANCE = "compliance"
    TEAM_COMFORT = "team_comfort"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


SMALL_MODEL_SIGNALS = frozenset(
    {
        Signal.NARROW_LABEL_SET,
        Signal.KNOWN_SCHEMA,
        Signal.FIXED_VOCABULARY,
        Signal.HIGH_VOLUME,
        Signal.TIGHT_LATENCY,
        Signal.OWNED_INPUT_DISTRIBUTION,
    }
)
BIG_MODEL_SIGNALS = frozenset(
    {
        Signal.OPEN_ENDED_INPUT,
        Signal.MULTI_FACT_REASONING,
        Signal.LONG_CREATIVE_WRITING,
        Signal.NOVEL_TASK,
    }
)
CONSTRAINT_SIGNALS = frozenset(
    {
        Signal.BUDGET,
        Signal.LATENCY_SLA,
        Signal.RISK_TOLERANCE,
        Signal.COMPLIANCE,
        Signal.TEAM_COMFORT,
    }
)


class Diagnosis(StrEnum):
    """The difficulty that binds a task or one hop of it."""

    DISTRIBUTION_SHIFT = "distribution_shift"
    CAPABILITY_CEILING = "capability_ceiling"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

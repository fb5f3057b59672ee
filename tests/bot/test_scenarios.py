"""Scenario files: every shipped file loads, the set is balanced, bad files are named."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.errors import ScenarioError, ScenarioFolderError
from bot.scenarios import (
    DISCORD_DESCRIPTION_MAX,
    SHIPPED_FOLDER,
    SLACK_SECTION_MAX,
    ScenarioPool,
    load_file,
    load_pool,
    scenario_files,
)
from bot.vocabulary import Choice, Signal

VALID: dict[str, Any] = {
    "id": "toy-router",
    "title": "Routing tickets at a toy shop",
    "review_by": "2027-12-31",
    "story": " ".join(["A toy shop receives many tickets a day about orders and returns."] * 8),
    "answer": "slm",
    "tempting": "llm",
    "signals": ["narrow_label_set", "high_volume"],
    "diagnosis": "distribution_shift",
    "explanation": " ".join(["The labels are few and the volume is large, so it is cheap."] * 6),
}


def write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ScenarioError) as raised:
        load_pool([folder])
    return raised.value.problems


def test_shipped_files_all_load() -> None:
    problems: list[str] = []
    for path in scenario_files(SHIPPED_FOLDER):
        try:
            scenario = load_file(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        if path.stem != scenario.id:
            problems.append(f"{path}: id {scenario.id!r} differs from the file name")
    assert problems == []


def test_shipped_set_has_twelve(pool: ScenarioPool) -> None:
    assert len(pool) == 12


def test_shipped_answers_are_mixed(pool: ScenarioPool) -> None:
    counts = Counter(scenario.answer for scenario in pool.scenarios.values())

    assert all(counts[choice] >= 2 for choice in Choice), counts
    assert counts[Choice.SLM] + counts[Choice.HYBRID] > counts[Choice.LLM]


def test_shipped_set_covers_every_signal(pool: ScenarioPool) -> None:
    covered = {signal for scenario in pool.scenarios.values() for signal in scenario.signals}

    assert set(Signal) - covered == set()


def test_shipped_temptation_goes_bigger_half_the_time(pool: ScenarioPool) -> None:
    bigger = sum(s.tempting.rank > s.answer.rank for s in pool.scenarios.values())

    assert bigger * 2 >= len(pool)


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        pytest.param("story", 80, 180, id="story"),
        pytest.param("explanation", 60, 150, id="explanation"),
    ],
)
def test_shipped_text_lengths(pool: ScenarioPool, field: str, low: int, high: int) -> None:
    outside = {
        scenario.id: len(getattr(scenario, field).split())
        for scenario in pool.scenarios.values()
        if not low <= len(getattr(scenario, field).split()) <= high
    }
    assert outside == {}


def test_shipped_texts_are_plain(pool: ScenarioPool) -> None:
    marked = [
        scenario.id
        for scenario in pool.scenarios.values()
        for text in (scenario.title, scenario.story, scenario.explanation)
        if re.search(r"[<>@*_`]", text)
    ]
    assert marked == []


def test_shipped_texts_fit_both_platforms(pool: ScenarioPool) -> None:
    limit = min(SLACK_SECTION_MAX, DISCORD_DESCRIPTION_MAX)
    for scenario in pool.scenarios.values():
        assert len(scenario.story) <= limit, scenario.id
        assert len(scenario.explanation) <= limit, scenario.id


def test_hybrids_name_both_hops(pool: ScenarioPool) -> None:
    for scenario in pool.scenarios.values():
        if scenario.answer is Choice.HYBRID:
            assert scenario.hops is not None
            assert {hop.model for hop in scenario.hops} == {Choice.SLM, Choice.LLM}


def test_valid_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "toy.yaml", VALID)

    pool = load_pool([tmp_path])

    assert pool.ids == ["toy-router"]


def test_wrapped_lines_become_one_paragraph(tmp_path: Path) -> None:
    data = dict(VALID, story=VALID["story"].replace(". ", ".\n", 3) + "\n\nSecond paragraph here.")
    write(tmp_path, "toy.yaml", data)

    story = load_pool([tmp_path]).scenarios["toy-router"].story

    assert "\n\n" in story
    assert "\n" not in story.split("\n\n")[0]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        pytest.param({"answer": "medium"}, "answer", "slm", id="unknown-answer"),
        pytest.param({"signals": ["vibes"]}, "signals.0", "narrow_label_set", id="unknown-signal"),
        pytest.param({"story": "Too short."}, "story", "at least", id="short-story"),
        pytest.param({"story": "word " * 50}, "story", "has 50 words", id="few-story-words"),
        pytest.param(
            {"explanation": "word " * 200}, "explanation", "has 200 words", id="long-explanation"
        ),
        pytest.param({"id": "Bad Id!"}, "id", "lowercase letters", id="bad-id"),
        pytest.param(
            {"signals": ["novel_task"]},
            "signals",
            "needs a small-model signal",
            id="slm-big-signals",
        ),
        pytest.param(
            {"diagnosis": "capability_ceiling"},
            "diagnosis",
            "distribution_shift",
            id="slm-ceiling",
        ),
        pytest.param(
            {"answer": "llm", "signals": ["high_volume"]},
            "signals",
            "needs a big-model signal",
            id="llm-small-signals",
        ),
        pytest.param(
            {"title": "A frontier pick for tickets"}, "title", "frontier", id="title-names-answer"
        ),
        pytest.param({"story": "word " * 700}, "story", "at most", id="story-over-limit"),
        pytest.param({"diagnosis": None}, "diagnosis", "required", id="missing-diagnosis"),
        pytest.param({"colour": "red"}, "colour", "Extra", id="extra-field"),
        pytest.param({"review_by": "soon"}, "review_by", "date", id="bad-date"),
        pytest.param({"answer": "hybrid"}, "hops", "hops", id="hybrid-without-hops"),
        pytest.param(
            {"story": VALID["story"] + " A small model could do it."},
            "story",
            "small model",
            id="story-names-answer",
        ),
        pytest.param(
            {"story": VALID["story"] + " The label set is a narrow label set."},
            "story",
            "narrow label set",
            id="story-names-signal",
        ),
    ],
)
def test_invalid_file_names_file_and_field(
    tmp_path: Path, change: dict[str, object], field: str, words: str
) -> None:
    data = {key: value for key, value in {**VALID, **change}.items() if value is not None}
    path = write(tmp_path, "toy.yaml", data)

    problems = problems_of(tmp_path)

    assert len(problems) >= 1
    assert problems[0].startswith(f"{path}: ")
    assert "(file)" not in problems[0]
    assert any(field in problem and words in problem for problem in problems), problems


def test_all_bad_files_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", dict(VALID, id="first-one", answer="big"))
    write(tmp_path, "b.yaml", dict(VALID, id="second-one", tempting="huge"))
    (tmp_path / "c.yaml").write_text("id: [unclosed", encoding="utf-8")

    problems = problems_of(tmp_path)

    assert any("a.yaml" in problem for problem in problems)
    assert any("b.yaml" in problem for problem in problems)
    assert any("c.yaml" in problem and "not valid YAML" in problem for problem in problems)


def test_duplicate_id_across_packs_rejected(tmp_path: Path) -> None:
    shipped_id = sorted(path.stem for path in scenario_files(SHIPPED_FOLDER))[0]
    write(tmp_path, "copy.yaml", dict(VALID, id=shipped_id))

    with pytest.raises(ScenarioError) as raised:
        load_pool([SHIPPED_FOLDER, tmp_path])

    assert "already used by" in raised.value.message
    assert "copy.yaml" in raised.value.message


def test_extra_pack_adds_to_shipped(tmp_path: Path) -> None:
    write(tmp_path, "toy.yaml", VALID)

    pool = load_pool([SHIPPED_FOLDER, tmp_path])

    assert len(pool) == 13
    assert pool.sources["toy-router"] == tmp_path / "toy.yaml"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda base: base / "missing", "does not exist", id="missing"),
        pytest.param(lambda base: base, "contains no .yaml", id="empty"),
    ],
)
def test_unusable_folder_rejected(tmp_path: Path, make: object, reason: str) -> None:
    assert callable(make)
    with pytest.raises(ScenarioFolderError) as raised:
        load_pool([make(tmp_path)])

    assert reason in raised.value.message

"""Every text a user reads, in one place so wording is reviewed together."""

from __future__ import annotations

from bot.vocabulary import Choice

QUESTION_PROMPT = "Small model, frontier model, or a hybrid of both?"
QUESTION_FOOTER = (
    "Vote with the buttons; you can change your vote until the reveal. "
    "The answer comes with the next round."
)
CLOSED_FOOTER = "Voting has closed. The answer is in the reply below."
PRACTICE_FOOTER = "Self-quiz: only you see this, and it does not count for the team."
NO_VOTES_YET = "No votes yet."
REVEAL_TITLE = "The answer: {answer}"
LEADERBOARD_EMPTY = (
    "No revealed rounds yet, so nobody has points. The first reveal starts the board."
)
STATS_TOO_FEW = "Too few votes for bias figures yet: each figure needs at least {minimum}."
PRACTICE_ALL_DONE = "You have answered every scenario in this session."
UNKNOWN_ERROR = "Sorry, something went wrong on our side. It is logged; please try again."


def vote_count(count: int) -> str:
    """Describe the live count without the split, so nobody follows the crowd."""
    if count == 0:
        return NO_VOTES_YET
    return "1 vote so far." if count == 1 else f"{count} votes so far."


def vote_confirmation(choice: Choice, *, changed_from: Choice | None) -> str:
    """Return the private reply to a recorded vote."""
    if changed_from is not None and changed_from is not choice:
        return (
            f"You changed your vote from {changed_from.label} to {choice.label}; "
            "you can change it until the reveal."
        )
    return f"You voted {choice.label}; you can change it until the reveal."


def over_reach_line(count: int, total: int) -> str:
    """Say how many votes went bigger than the answer."""
    if total == 0:
        return "Nobody voted in this round."
    noun = "vote" if total == 1 else "votes"
    return f"{count} of {total} {noun} went bigger than the answer."


def practice_verdict(choice: Choice, answer: Choice) -> str:
    """Return the first line of a self-quiz result."""
    if choice is answer:
        return f"Right: {answer.label}."
    direction = "bigger" if choice.rank > answer.rank else "smaller"
    return (
        f"Not quite: you chose {choice.label}, which is {direction} "
        f"than the answer, {answer.label}."
    )


def streak(count: int) -> str:
    return f"{count} in a row"

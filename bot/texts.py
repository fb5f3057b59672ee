"""Every text a user reads, in one place so wording is reviewed together."""

from __future__ import annotations

from datetime import date

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
LEADERBOARD_EMPTY = "No votes in revealed rounds yet, so nobody has points."
STATS_NO_VOTES = "No votes in revealed rounds yet, so there is nothing to count."
PRACTICE_DONE_TITLE = "Self-quiz"
PRACTICE_ALL_DONE = (
    "You have answered every scenario in this sitting. "
    "`quiz` starts a new sitting, with the ones you missed first."
)
PAUSED = (
    "The daily post is paused until an admin runs `resume`. "
    "`post-now` still posts a round when asked."
)
RESUMED = "The daily post is back on."
CLOSED_UNPOSTED = (
    "The open round was closed, but its question never reached the channel, "
    "so there is no answer to post. The next round comes at the next post time."
)
UNKNOWN_ERROR = "Sorry, something went wrong on our side. It is logged; please try again."


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """Return the count with its noun, for example '1 vote' or '3 votes'."""
    word = noun if count == 1 else (plural_noun or noun + "s")
    return f"{count} {word}"


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


def over_reach_line(count: int, total: int, *, possible: bool = True) -> str:
    """Say how many votes went bigger than the answer, where going bigger was possible."""
    if total == 0:
        return "Nobody voted in this round."
    if not possible:
        return f"{plural(total, 'vote')}; none could go bigger than the frontier model."
    noun = "vote" if total == 1 else "votes"
    return f"{count} of {total} {noun} went bigger than the answer."


def stats_hidden(names: list[str], minimum: int) -> str:
    """Say which bias figures are left out because they rest on too few votes."""
    return f"Not shown until they rest on at least {minimum} votes: {', '.join(names)}."


def practice_verdict(choice: Choice, answer: Choice) -> str:
    """Return the first line of a self-quiz result."""
    if choice is answer:
        return f"Right: {answer.label}."
    direction = "bigger" if choice.rank > answer.rank else "smaller"
    return (
        f"Not quite: you chose {choice.label}, which is {direction} "
        f"than the answer, {answer.label}."
    )


def off_days_added(count: int, first: date, last: date) -> str:
    """Describe the result of adding off days from first to last."""
    span = str(first) if first == last else f"{first} to {last}"
    if count == 0:
        return f"{span}: already off, nothing changed."
    return f"Added {plural(count, 'off day')}: {span}."


def off_days_removed(count: int) -> str:
    if count == 0:
        return "None of those dates was an off day, nothing changed."
    return f"Removed {plural(count, 'off day')}."

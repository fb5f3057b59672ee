"""Errors a user can cause; each builds its plain-words message from the offending value.

Every class here is an expected mistake: adapters show its message as a private
reply and log nothing beyond a debug line. Anything that is not a RightsizeError
is a fault, which adapters log with its traceback before sending an apology.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path


class RightsizeError(Exception):
    """Base of every error whose message is meant for the person who caused it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownChoiceError(RightsizeError):
    def __init__(self, text: str) -> None:
        shown = text.strip()[:40] or "(nothing)"
        super().__init__(
            f"{shown!r} is not a choice. Answer 1 or slm (small model), "
            "2 or hybrid, 3 or llm (frontier model)."
        )
        self.text = text


class VotingClosedError(RightsizeError):
    def __init__(self, round_id: int) -> None:
        super().__init__(
            "Voting on this round has closed: the answer is already revealed. "
            "Your vote was not changed."
        )
        self.round_id = round_id


class RoundNotFoundError(RightsizeError):
    def __init__(self, round_id: object) -> None:
        super().__init__(f"Round {round_id} does not exist, so no vote was recorded.")
        self.round_id = round_id


class RoundOfAnotherTeamError(RightsizeError):
    def __init__(self, round_id: int) -> None:
        super().__init__(f"Round {round_id} belongs to another channel, so no vote was recorded.")
        self.round_id = round_id


class RoundAlreadyPostedError(RightsizeError):
    def __init__(self, local_date: date, *, revealed: bool) -> None:
        state = "posted and revealed" if revealed else "posted and still open"
        super().__init__(
            f"The round for {local_date.isoformat()} is already {state}, and a channel gets "
            "one round a day. The next one comes at the next post time."
        )
        self.local_date = local_date


class TeamNotFoundError(RightsizeError):
    def __init__(self, channel: str) -> None:
        super().__init__(
            f"Channel {channel} is not set up for Rightsize yet. "
            "An admin can run `/rightsize setup TIME TZ [DAYS]`, "
            "for example `/rightsize setup 09:30 Europe/Berlin mon-fri`."
        )
        self.channel = channel


class InvalidSettingError(RightsizeError):
    """A value typed for a team setting (time, zone, weekdays, date) is not valid."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        shown = value.strip()[:60] or "(nothing)"
        super().__init__(f"Invalid {name} {shown!r}: expected {expected}.")
        self.name = name
        self.value = value


class UnknownCommandError(RightsizeError):
    def __init__(self, text: str) -> None:
        shown = text.strip()[:40] or "(nothing)"
        super().__init__(f"{shown!r} is not a Rightsize command; `help` lists the commands.")
        self.text = text


class UnexpectedArgumentsError(RightsizeError):
    def __init__(self, command: str, extra: str) -> None:
        super().__init__(f"`{command}` takes no arguments, but got {extra.strip()[:40]!r}.")
        self.command = command


class NotAdminError(RightsizeError):
    def __init__(self, command: str, who_may: str) -> None:
        super().__init__(f"Only {who_may} may use `{command}`. Nothing was changed.")
        self.command = command


class ScenarioOpenError(RightsizeError):
    def __init__(self, scenario_id: str) -> None:
        super().__init__(
            "This scenario is a team's open round right now, so the self-quiz keeps its "
            "answer until the reveal. Run `quiz` for another one."
        )
        self.scenario_id = scenario_id


class PostFailedError(RightsizeError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Today's round could not be posted: {reason}. Nothing was posted; "
            "it is retried automatically, and `status` shows the team's state."
        )
        self.reason = reason


class RevealFailedError(RightsizeError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The answer could not be posted: {reason}. Voting is closed and the reveal "
            "is retried automatically."
        )
        self.reason = reason


class NoScenarioError(RightsizeError):
    def __init__(self, scenario_id: str) -> None:
        super().__init__(f"Scenario {scenario_id!r} is not loaded.")
        self.scenario_id = scenario_id


class ScenarioError(RightsizeError):
    """One or more scenario files are invalid; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} scenario {noun}:\n" + "\n".join(problems))
        self.problems = problems


class ScenarioFolderError(RightsizeError):
    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(f"Scenario folder {folder}: {reason}.")
        self.folder = folder
        self.reason = reason


class DatabaseError(RightsizeError):
    """The configured database cannot be opened or migrated."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Cannot open the database {url}: {reason}")
        self.url = url

"""Every adapter's port implements the ChatPort interface with the same signatures."""

from __future__ import annotations

import inspect

import pytest

from adapters.console.port import ConsolePort
from adapters.discord.port import DiscordPort
from adapters.slack.port import SlackPort
from bot.ports import ChatPort

PORT_METHODS = ("post", "update", "reply")


def parameters(function: object) -> list[tuple[str, object]]:
    assert callable(function)
    signature = inspect.signature(function)
    return [(name, parameter.kind) for name, parameter in signature.parameters.items()]


@pytest.mark.parametrize(
    "port_class",
    [
        pytest.param(ConsolePort, id="console"),
        pytest.param(SlackPort, id="slack"),
        pytest.param(DiscordPort, id="discord"),
    ],
)
def test_port_matches_interface(port_class: type) -> None:
    for name in PORT_METHODS:
        implemented = getattr(port_class, name)
        assert inspect.iscoroutinefunction(implemented), name
        assert parameters(implemented) == parameters(getattr(ChatPort, name)), name
    assert isinstance(getattr(port_class, "platform", None), str)


def test_platform_names_differ() -> None:
    assert len({ConsolePort.platform, SlackPort.platform, DiscordPort.platform}) == 3

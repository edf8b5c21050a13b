"""The one error ``rumah infra`` raises: it names the engine and says what to look at."""

from __future__ import annotations


class EngineError(RuntimeError):
    """An engine could not be built, started, checked or stopped."""

    def __init__(self, engine: str, message: str, log_tail: str = "", source: str = "log") -> None:
        text = f"{engine}: {message}"
        if log_tail:
            text += f"\n--- last lines of its {source} ---\n{log_tail.rstrip()}"
        super().__init__(text)
        self.engine = engine


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, without repeating a type its message already names."""
    text, kind = str(exc), type(exc).__name__
    return text if text.startswith(kind) else f"{kind}: {text}"

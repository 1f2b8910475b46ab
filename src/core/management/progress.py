"""One progress line for long management commands (seeding, imports)."""

from __future__ import annotations

from typing import Protocol


class Output(Protocol):
    """Where the line goes: a command's ``self.stdout`` (Django's ``OutputWrapper``)."""

    def isatty(self) -> bool: ...

    def write(self, msg: str, /, *, ending: str = ...) -> object: ...

    def flush(self) -> None: ...


class ProgressLine:
    """Call it with ``(done, total, seconds)`` (and optionally a ``stage``): a live bar
    on a terminal; in logs, a line every five seconds, at each stage's end and at the
    end. ``finish()`` ends the terminal line."""

    width = 30

    def __init__(self, stdout: Output, noun: str = "") -> None:
        self.stdout = stdout
        self.noun = noun
        self.tty = stdout.isatty()
        self.shown_at = -1.0
        self.stage = ""
        self.written = False

    def __call__(self, done: int, total: int, seconds: float, stage: str = "") -> None:
        if not self.tty and done < total and seconds - self.shown_at < 5:
            return
        if self.tty and self.written and stage != self.stage:
            self.stdout.write("")
        self.shown_at, self.stage, self.written = seconds, stage, True
        filled = int(self.width * done / total) if total else self.width
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,}"
        if stage:
            line = f"{stage:>7} {line}"
        if self.noun:
            rate = done / seconds if seconds else 0.0
            eta = (total - done) / rate if rate else 0.0
            line += f" {self.noun} {rate:,.0f}/s, {seconds:.0f}s elapsed, eta {eta:.0f}s"
        else:
            line += f" {seconds:.0f}s elapsed"
        self.stdout.write(("\r" + line) if self.tty else line, ending="" if self.tty else "\n")
        self.stdout.flush()

    def finish(self) -> None:
        if self.tty and self.written:
            self.stdout.write("")

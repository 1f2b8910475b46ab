"""The progress line shared by the seed and import commands."""

from __future__ import annotations

import io

from core.management.progress import ProgressLine


class Out(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str, ending: str = "\n") -> int:  # Django's OutputWrapper shape
        return super().write(text + ending)


def test_in_logs_a_line_every_five_seconds_and_the_last():
    out = Out(tty=False)
    line = ProgressLine(out, "jobs")
    for done, seconds in [(10, 1.0), (20, 2.0), (60, 6.5), (70, 7.0), (100, 8.0)]:
        line(done, 100, seconds)
    line.finish()

    lines = out.getvalue().splitlines()
    assert [entry.split("]")[1].split()[0] for entry in lines] == ["60/100", "100/100"]
    assert "jobs" in lines[-1]
    assert "/s" in lines[-1]


def test_on_a_terminal_one_live_line_per_stage():
    out = Out(tty=True)
    line = ProgressLine(out)
    line(1, 2, 0.5, stage="users")
    line(2, 2, 1.0, stage="users")
    line(1, 1, 1.5, stage="posts")
    line.finish()

    text = out.getvalue()
    assert text.count("\r") == 3
    assert text.count("\n") == 2  # between the stages and at the end
    assert "  posts [" in text

"""One error type for everything a person can get wrong: it names file, line, field and fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A single thing wrong with one input file."""

    file: str
    message: str
    field: str = ""
    line: int | None = None
    column: int | None = None
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.field + ': ' if self.field else ''}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(Exception):
    """Bad input: one or more problems, all reported together."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...],
                 referral: tuple[str, ...] = ()):
        self.problems = tuple(problems)
        # a referral rule met by the fields that did read well: no plan, whatever else
        self.referral = referral
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str, message: str, **where) -> InputError:
        return cls([Problem(file=file, message=message, **where)])

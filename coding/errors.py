"""The exceptions of coding/: a code-set or rule file that cannot be read, with its place."""

from __future__ import annotations


class CodingError(ValueError):
    """Base of every error raised by coding/ (a ValueError, as coding/ncci.py raises)."""


class CodeFileError(CodingError):
    """A code-set file in the wrong layout: nothing of it was taken.

    ``line`` is 1-based; ``column`` is the 1-based character position in fixed-width files
    and the 1-based field number in CSV files (None when the whole line or file is wrong).
    """

    def __init__(self, file: str, line: int | None, column: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class RuleFileError(CodingError):
    """A payer rule file that breaks the schema: the rules in force stay in force.

    ``line`` is 1-based when known (syntax errors, and keys we could find in the text);
    ``key_path`` names the key, such as ``rule[2].when.place_of_service``.
    """

    def __init__(self, file: str, line: int | None, key_path: str, message: str) -> None:
        self.file = file
        self.line = line
        self.key_path = key_path
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        key = f" [{self.key_path}]" if self.key_path else ""
        return f"{where}{key}: {self.message}"


class TableFormatError(CodingError):
    """Stored table bytes that are not a table of the expected kind and layout version."""

"""Keeps the values of columns the original never outputs out of everything a run sends back to the LLM
(difference examples, error messages) and out of the report: each word or long number that occurs only
in such a column (an e-mail address, a card number, a note) is replaced by a placeholder naming the
column it came from. Words that also occur in the original's output, the script or the column names are
public already and stay."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

_TOKEN = re.compile(r"[^\W_]+")


def _sensitive(token: str) -> bool:
    """Words of four letters or more, and numbers of six digits or more (ids, card and phone numbers);
    shorter ones carry little and would blank out counts and common words."""
    return len(token) >= 6 if token.isdigit() else len(token) >= 4


def tokens(text: str) -> Iterable[str]:
    return (t.casefold() for t in _TOKEN.findall(text) if _sensitive(t))


@dataclass(frozen=True)
class Redactor:
    """`redactor(text)`: the text with private words replaced by `<a value of source.column>`."""

    private: Mapping[str, str] = field(default_factory=dict)  # casefolded word -> "source.column" it comes from

    def __call__(self, text: str) -> str:
        if not self.private or not text:
            return text

        def replace(match: re.Match[str]) -> str:
            word = match.group(0)
            where = self.private.get(word.casefold()) if _sensitive(word) else None
            return f"<a value of {where}>" if where else word

        return _TOKEN.sub(replace, text)


def build_redactor(sources: Mapping[str, pd.DataFrame], output: pd.DataFrame, public: Iterable[str] = ()) -> Redactor:
    """Private: the words of source columns whose names the original's output does not have, minus every
    word of the output's values, its column names and `public` texts (the script, what prompts sent)."""
    known: set[str] = set()
    for text in public:
        known.update(tokens(text))
    for column in output.columns:
        known.update(tokens(str(column)))
        known.update(_words(output[column]))
    outputs = {str(c) for c in output.columns}
    private: dict[str, str] = {}
    for name, frame in sources.items():
        for column in frame.columns:
            known.update(tokens(f"{name} {column}"))
            if str(column) in outputs:
                continue
            for word in _words(frame[column]):
                if word not in known:
                    private.setdefault(word, f"{name}.{column}")
    return Redactor({w: where for w, where in private.items() if w not in known})


def _words(series: pd.Series) -> set[str]:
    words: set[str] = set()
    for value in pd.unique(series.dropna()):
        words.update(tokens(str(value)))
    return words
